#pragma once
// Times as Kubernetes and JSON logs write them: RFC 3339 in UTC with milliseconds,
// "2026-12-07T17:00:00.123Z".

#include <chrono>
#include <string>

namespace steward::base {

std::string format_rfc3339(std::chrono::system_clock::time_point time);

}  // namespace steward::base
