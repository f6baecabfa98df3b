#pragma once
// Logs, one line per record on stdout. JSON by default (operators' log pipelines parse them):
//   {"ts":"2026-11-25T10:00:00.123Z","level":"info","logger":"reconcile","msg":"corrected",
//    "resource":"deployments.apps","namespace":"web","name":"api","reconcileID":"9f3c...",...}
// or text for people at a terminal (the logger in brackets, logfmt-style fields after the message):
//   2026-11-25T10:00:00.123Z INFO  [reconcile] corrected resource=deployments.apps namespace=web ...
// Messages and field values are escaped (JSON writer; quoted text), so no value can break a line.
// Never pass a token, a client key or object content (Secret data) as a field. Thread-safe: a line
// is written whole under a lock.
//
// Every line comes from a Logger: one per part of steward (its name is the line's `logger`), and
// with() makes one that adds fields to every line it writes (a reconcile's resource, namespace,
// name and reconcileID), so call sites stay short and no line of a reconcile lacks them.

#include <cstdio>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace steward::observe {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn", "error"; false for anything else.
bool parse_log_level(std::string_view text, LogLevel& level);
std::string_view to_string(LogLevel level);

enum class LogFormat { kJson, kText };
std::string_view to_string(LogFormat format);

using LogField = std::pair<std::string_view, std::string_view>;

void set_log_format(LogFormat format);
void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);
// Where lines go: stdout unless a test says otherwise (it must stay open while lines are written).
void set_log_output(std::FILE* out);

// One record as a line (without the newline), as a Logger writes it: `ts`, `level`, `logger`,
// `msg`, then the fields in order. A key given twice is written once, with its last value (JSON
// with a repeated key is read differently by different parsers).
std::string format_log_line(LogFormat format, std::string_view ts, LogLevel level,
                            std::string_view logger, std::string_view message,
                            std::span<const LogField> fields);
inline std::string format_log_line(LogFormat format, std::string_view ts, LogLevel level,
                                   std::string_view logger, std::string_view message,
                                   std::initializer_list<LogField> fields) {
  return format_log_line(format, ts, level, logger, message,
                         std::span<const LogField>(fields.begin(), fields.size()));
}

class Logger {
 public:
  // `name`: the part that writes ("reconcile", "leader", ...), the `logger` of each line.
  explicit Logger(std::string name) : name_(std::move(name)) {}

  // The same logger with `fields` added to every line it writes (after those it already adds).
  Logger with(std::initializer_list<LogField> fields) const;

  const std::string& name() const { return name_; }
  bool enabled(LogLevel level) const { return log_enabled(level); }

  // The logger's own fields, then `fields` (a key in both: the call's value).
  void log(LogLevel level, std::string_view message,
           std::initializer_list<LogField> fields = {}) const;
  // Exactly `fields`, without the logger's own: for lines whose shape is fixed (audit.hpp).
  void log_only(LogLevel level, std::string_view message, std::span<const LogField> fields) const;

  void debug(std::string_view m, std::initializer_list<LogField> f = {}) const {
    log(LogLevel::kDebug, m, f);
  }
  void info(std::string_view m, std::initializer_list<LogField> f = {}) const {
    log(LogLevel::kInfo, m, f);
  }
  void warn(std::string_view m, std::initializer_list<LogField> f = {}) const {
    log(LogLevel::kWarn, m, f);
  }
  void error(std::string_view m, std::initializer_list<LogField> f = {}) const {
    log(LogLevel::kError, m, f);
  }

 private:
  std::string name_;
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace steward::observe
