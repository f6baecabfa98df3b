#include "observe/log.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace steward::observe {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<int> g_format{static_cast<int>(LogFormat::kJson)};
std::mutex g_write_mu;  // one line at a time on stdout

constexpr std::string_view kNames[] = {"debug", "info", "warn", "error"};

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis));
  return text;
}

void string(rapidjson::Writer<rapidjson::StringBuffer>& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

std::string json_line(std::string_view ts, LogLevel level, std::string_view message,
                      std::initializer_list<LogField> fields) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("ts");
  string(writer, ts);
  writer.Key("level");
  string(writer, to_string(level));
  writer.Key("msg");
  string(writer, message);
  for (const auto& [key, value] : fields) {
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    string(writer, value);
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// A value as logfmt writes it: bare when it is one plain word, else quoted with \" \\ \n \t
// and other control bytes escaped, so a value can never start a new line or a new field.
void append_text_value(std::string& out, std::string_view value) {
  const bool bare = !value.empty() && value.find_first_of(" =\"\\") == std::string_view::npos &&
                    std::all_of(value.begin(), value.end(),
                                [](char c) { return static_cast<unsigned char>(c) > 0x20; });
  if (bare) {
    out += value;
    return;
  }
  out += '"';
  for (const char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string text_line(std::string_view ts, LogLevel level, std::string_view message,
                      std::initializer_list<LogField> fields) {
  static constexpr std::string_view kLabels[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
  std::string out;
  out.reserve(64 + message.size());
  out += ts;
  out += ' ';
  out += kLabels[static_cast<int>(level)];
  out += ' ';
  // The message is free text, but must not break the line either.
  for (const char c : message) out += (c == '\n' || c == '\r') ? ' ' : c;
  for (const auto& [key, value] : fields) {
    out += ' ';
    out += key;
    out += '=';
    append_text_value(out, value);
  }
  return out;
}

}  // namespace

bool parse_log_level(std::string_view text, LogLevel& level) {
  for (int i = 0; i < 4; ++i) {
    if (text == kNames[i]) {
      level = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

std::string_view to_string(LogLevel level) { return kNames[static_cast<int>(level)]; }

std::string_view to_string(LogFormat format) { return format == LogFormat::kText ? "text" : "json"; }

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level)); }

void set_log_format(LogFormat format) { g_format.store(static_cast<int>(format)); }

std::string format_log_line(LogFormat format, std::string_view ts, LogLevel level,
                            std::string_view message, std::initializer_list<LogField> fields) {
  return format == LogFormat::kText ? text_line(ts, level, message, fields)
                                    : json_line(ts, level, message, fields);
}

bool log_enabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!log_enabled(level)) return;
  const std::string line = format_log_line(static_cast<LogFormat>(g_format.load()), timestamp(),
                                           level, message, fields);
  std::lock_guard lock(g_write_mu);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace steward::observe
