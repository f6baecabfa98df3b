#include "observe/log.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "base/rfc3339.hpp"

namespace steward::observe {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<int> g_format{static_cast<int>(LogFormat::kJson)};
std::atomic<std::FILE*> g_output{stdout};
std::mutex g_write_mu;  // one line at a time

constexpr std::string_view kNames[] = {"debug", "info", "warn", "error"};

std::string timestamp() { return base::format_rfc3339(std::chrono::system_clock::now()); }

void string(rapidjson::Writer<rapidjson::StringBuffer>& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// Whether fields[i] is written: not when a later field has the same key (the last value wins).
bool shadowed(std::span<const LogField> fields, std::size_t i) {
  for (std::size_t j = i + 1; j < fields.size(); ++j) {
    if (fields[j].first == fields[i].first) return true;
  }
  return false;
}

std::string json_line(std::string_view ts, LogLevel level, std::string_view logger,
                      std::string_view message, std::span<const LogField> fields) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("ts");
  string(writer, ts);
  writer.Key("level");
  string(writer, to_string(level));
  writer.Key("logger");
  string(writer, logger);
  writer.Key("msg");
  string(writer, message);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (shadowed(fields, i)) continue;
    const auto& [key, value] = fields[i];
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

// Free text (a message, a logger's name) on one line.
void append_one_line(std::string& out, std::string_view text) {
  for (const char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
}

std::string text_line(std::string_view ts, LogLevel level, std::string_view logger,
                      std::string_view message, std::span<const LogField> fields) {
  static constexpr std::string_view kLabels[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
  std::string out;
  out.reserve(64 + message.size());
  out += ts;
  out += ' ';
  out += kLabels[static_cast<int>(level)];
  out += " [";
  append_one_line(out, logger);
  out += "] ";
  append_one_line(out, message);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (shadowed(fields, i)) continue;
    const auto& [key, value] = fields[i];
    out += ' ';
    out += key;
    out += '=';
    append_text_value(out, value);
  }
  return out;
}

void write_line(LogLevel level, std::string_view logger, std::string_view message,
                std::span<const LogField> fields) {
  const std::string line = format_log_line(static_cast<LogFormat>(g_format.load()), timestamp(),
                                           level, logger, message, fields);
  std::lock_guard lock(g_write_mu);
  std::FILE* out = g_output.load();
  std::fwrite(line.data(), 1, line.size(), out);
  std::fputc('\n', out);
  std::fflush(out);
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

void set_log_output(std::FILE* out) { g_output.store(out); }

std::string format_log_line(LogFormat format, std::string_view ts, LogLevel level,
                            std::string_view logger, std::string_view message,
                            std::span<const LogField> fields) {
  return format == LogFormat::kText ? text_line(ts, level, logger, message, fields)
                                    : json_line(ts, level, logger, message, fields);
}

bool log_enabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

Logger Logger::with(std::initializer_list<LogField> fields) const {
  Logger child = *this;
  for (const auto& [key, value] : fields) child.fields_.emplace_back(key, value);
  return child;
}

void Logger::log(LogLevel level, std::string_view message,
                 std::initializer_list<LogField> fields) const {
  if (!log_enabled(level)) return;
  std::vector<LogField> all;
  all.reserve(fields_.size() + fields.size());
  for (const auto& [key, value] : fields_) all.emplace_back(key, value);
  all.insert(all.end(), fields.begin(), fields.end());
  write_line(level, name_, message, all);
}

void Logger::log_only(LogLevel level, std::string_view message,
                      std::span<const LogField> fields) const {
  if (!log_enabled(level)) return;
  write_line(level, name_, message, fields);
}

}  // namespace steward::observe
