#pragma once
// Times as Kubernetes and JSON logs write them: RFC 3339 in UTC with a fixed number of fraction
// digits, "2026-12-07T17:00:00.123Z" (3: logs, /status) or "...00.123456Z" (6: a Lease's MicroTime).

#include <chrono>
#include <string>

namespace steward::base {

// `fraction_digits` is 3 (milliseconds) or 6 (microseconds); an instant before 1970 gets its
// fraction counted forward from the second before it, as Go's time formatting does.
std::string format_rfc3339(std::chrono::system_clock::time_point time, int fraction_digits = 3);

}  // namespace steward::base
