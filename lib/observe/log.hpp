#pragma once
// JSON logs, one object per line on stdout (operators' log pipelines parse them):
//   {"ts":"2026-11-25T10:00:00.123Z","level":"info","msg":"applied","key":"apps/Deployment web/api"}
// Messages and field values are escaped by the JSON writer, so no value can break a line. Never
// pass a token or secret as a field. Thread-safe: a line is written whole under a lock.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace steward::observe {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn", "error"; false for anything else.
bool parse_log_level(std::string_view text, LogLevel& level);
std::string_view to_string(LogLevel level);

using LogField = std::pair<std::string_view, std::string_view>;

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
