// The daemon's config parser (config/steward_config.hpp): a StewardConfig file's text → one
// checked value or every error in it. The input is the text of the file.
//
// Beyond "no crash, leak, UB or hang": a config that parses compares equal to itself with no
// changes, and every duration in it, written out with format_duration(), reads back the same (the
// reload diff and the docs show durations that way). Short inputs are also read as one duration.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/go_duration.hpp"
#include "config/steward_config.hpp"
#include "fuzz_check.hpp"

using steward::fuzz::check;
namespace base = steward::base;
namespace config = steward::config;

namespace {

void check_round_trip(base::Duration d) {
  const auto again = base::parse_duration(base::format_duration(d));
  check(again && *again == d, "parse_duration(format_duration(d)) != d");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (size <= 40) {
    if (auto d = base::parse_duration(text)) check_round_trip(*d);
  }

  const config::ConfigLoad load = config::parse_config(text, "steward.yaml", "/etc/steward");
  check(load.ok() == load.config.has_value(), "config set exactly when there are no errors");
  for (const auto& error : load.errors) check(!error.to_string().empty(), "error has no text");
  if (!load.config) return 0;

  const config::StewardConfig& parsed = *load.config;
  check(!parsed.sources.empty(), "a config has sources");
  check(config::compare(parsed, parsed).empty(), "a config differs from itself");
  for (const auto& change : config::compare(config::default_config(), parsed))
    check(!change.to_string().empty(), "change has no text");
  const auto& r = parsed.reconcile;
  const auto& le = parsed.leader_election;
  for (base::Duration d : {r.resync_period, r.debounce, r.rate_limiter.base_delay,
                           r.rate_limiter.max_delay, le.lease_duration, le.renew_deadline,
                           le.retry_period})
    check_round_trip(d);
  return 0;
}
