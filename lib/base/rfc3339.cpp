#include "base/rfc3339.hpp"

#include <cstdint>
#include <cstdio>
#include <ctime>

namespace steward::base {

std::string format_rfc3339(std::chrono::system_clock::time_point time, int fraction_digits) {
  using namespace std::chrono;
  // Floor division, so an instant before 1970 still gets a fraction in [0, 1 s).
  const auto floor_div = [](std::int64_t a, std::int64_t b) { return a / b - (a % b < 0); };
  const std::int64_t unit = fraction_digits == 6 ? 1 : 1'000;  // microseconds per digit step
  const std::int64_t per_second = 1'000'000 / unit;
  const std::int64_t units = floor_div(duration_cast<microseconds>(time.time_since_epoch()).count(), unit);
  const std::int64_t seconds = floor_div(units, per_second);
  const std::int64_t fraction = units - seconds * per_second;
  const auto t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[48];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%0*dZ", fraction_digits == 6 ? 6 : 3,
                static_cast<int>(fraction));
  return text;
}

}  // namespace steward::base
