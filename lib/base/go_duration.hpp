#pragma once
// Go's duration strings ("500ms", "10s", "1m30s", "1h"), as time.ParseDuration reads them and
// time.Duration's String() writes them: the StewardConfig's durations are written this way, as
// every Kubernetes component's are, and the reload log and the docs show them this way.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace steward::base {

// Go's time.Duration resolution: every duration a Go-style string can write fits.
using Duration = std::chrono::nanoseconds;

// Go's time.ParseDuration: an optional sign, then one or more of a decimal number (".5", "1.",
// "10") and a unit (ns, us, µs, ms, s, m, h), as in "1h30m" or "1.5s"; "0" needs no unit.
// Returns nullopt for anything else or a value beyond ±292 years, and says why in `why` if given.
std::optional<Duration> parse_duration(std::string_view text, std::string* why = nullptr);

// The shortest Go-style string for `d` that parse_duration reads back exactly: "0s", "500ms",
// "1.5s", "1m30s", "10m", "1h".
std::string format_duration(Duration d);

}  // namespace steward::base
