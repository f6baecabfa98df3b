#pragma once
// Logs, one line per record on stdout. JSON by default (operators' log pipelines parse them):
//   {"ts":"2026-11-25T10:00:00.123Z","level":"info","msg":"applied","key":"apps/Deployment web/api"}
// or text for people at a terminal (logfmt-style fields after the message):
//   2026-11-25T10:00:00.123Z INFO  applied key="apps/Deployment web/api"
// Messages and field values are escaped (JSON writer; quoted text), so no value can break a line.
// Never pass a token or secret as a field. Thread-safe: a line is written whole under a lock.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace steward::observe {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn", "error"; false for anything else.
bool parse_log_level(std::string_view text, LogLevel& level);
std::string_view to_string(LogLevel level);

enum class LogFormat { kJson, kText };
std::string_view to_string(LogFormat format);

using LogField = std::pair<std::string_view, std::string_view>;

void set_log_format(LogFormat format);
// One record as a line (without the newline), as log() writes it; `ts` is its timestamp.
std::string format_log_line(LogFormat format, std::string_view ts, LogLevel level,
                            std::string_view message, std::initializer_list<LogField> fields);

void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);
void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

inline void log_debug(std::string_view m, std::initializer_list<LogField> f = {}) {
  log(LogLevel::kDebug, m, f);
}
inline void log_info(std::string_view m, std::initializer_list<LogField> f = {}) {
  log(LogLevel::kInfo, m, f);
}
inline void log_warn(std::string_view m, std::initializer_list<LogField> f = {}) {
  log(LogLevel::kWarn, m, f);
}
inline void log_error(std::string_view m, std::initializer_list<LogField> f = {}) {
  log(LogLevel::kError, m, f);
}

}  // namespace steward::observe
