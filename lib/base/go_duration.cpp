#include "base/go_duration.hpp"

#include <cstdint>

#include "base/quote.hpp"

namespace steward::base {

namespace {

constexpr std::uint64_t kNanosecond = 1;
constexpr std::uint64_t kMicrosecond = 1000 * kNanosecond;
constexpr std::uint64_t kMillisecond = 1000 * kMicrosecond;
constexpr std::uint64_t kSecond = 1000 * kMillisecond;
constexpr std::uint64_t kMinute = 60 * kSecond;
constexpr std::uint64_t kHour = 60 * kMinute;
constexpr std::uint64_t kLimit = std::uint64_t{1} << 63;  // |int64 min|

std::optional<std::uint64_t> unit_nanos(std::string_view unit) {
  if (unit == "ns") return kNanosecond;
  if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") return kMicrosecond;  // µ and μ
  if (unit == "ms") return kMillisecond;
  if (unit == "s") return kSecond;
  if (unit == "m") return kMinute;
  if (unit == "h") return kHour;
  return std::nullopt;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

// Follows Go's time.ParseDuration step by step, overflow rules included.
std::optional<Duration> parse_duration(std::string_view text, std::string* why) {
  const auto fail = [&](std::string reason) -> std::optional<Duration> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  const std::string quoted = quote(text);
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration::zero();
  if (s.empty()) return fail("invalid duration " + quoted);
  std::uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || is_digit(s[0]))) return fail("invalid duration " + quoted);
    // The integer part.
    std::uint64_t whole = 0;
    std::size_t i = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (whole > kLimit / 10) return fail("duration " + quoted + " is too large");
      whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
      if (whole > kLimit) return fail("duration " + quoted + " is too large");
    }
    const bool has_whole = i > 0;
    s.remove_prefix(i);
    // The fraction: digits past what 63 bits can scale are dropped, as Go does.
    std::uint64_t fraction = 0;
    double scale = 1;
    bool has_fraction = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      for (i = 0; i < s.size() && is_digit(s[i]); ++i) {
        if (overflow) continue;
        if (fraction > (kLimit - 1) / 10) {
          overflow = true;
          continue;
        }
        const std::uint64_t next = fraction * 10 + static_cast<std::uint64_t>(s[i] - '0');
        if (next > kLimit) {
          overflow = true;
          continue;
        }
        fraction = next;
        scale *= 10;
      }
      has_fraction = i > 0;
      s.remove_prefix(i);
    }
    if (!has_whole && !has_fraction) return fail("invalid duration " + quoted);
    // The unit.
    for (i = 0; i < s.size() && s[i] != '.' && !is_digit(s[i]); ++i) {
    }
    if (i == 0) return fail("missing unit in duration " + quoted + " (ns, us, ms, s, m or h)");
    const std::string_view unit_text = s.substr(0, i);
    s.remove_prefix(i);
    const auto unit = unit_nanos(unit_text);
    if (!unit)
      return fail("unknown unit " + quote(unit_text) + " in duration " + quoted +
                  " (ns, us, ms, s, m or h)");
    if (whole > kLimit / *unit) return fail("duration " + quoted + " is too large");
    whole *= *unit;
    if (fraction > 0) {
      whole += static_cast<std::uint64_t>(static_cast<double>(fraction) *
                                          (static_cast<double>(*unit) / scale));
      if (whole > kLimit) return fail("duration " + quoted + " is too large");
    }
    total += whole;
    if (total > kLimit) return fail("duration " + quoted + " is too large");
  }
  if (negative) return Duration(static_cast<Duration::rep>(0 - total));  // two's complement
  if (total > kLimit - 1) return fail("duration " + quoted + " is too large");
  return Duration(static_cast<Duration::rep>(total));
}

std::string format_duration(Duration d) {
  if (d == Duration::zero()) return "0s";
  const bool negative = d < Duration::zero();
  // Magnitude as unsigned, so the most negative value does not overflow.
  std::uint64_t n = negative ? 0 - static_cast<std::uint64_t>(d.count())
                             : static_cast<std::uint64_t>(d.count());
  std::string out = negative ? "-" : "";
  // "<whole>[.<fraction>]<unit>" with trailing zeros of the fraction dropped.
  const auto decimal = [](std::uint64_t value, std::uint64_t unit, std::string_view name) {
    std::string text = std::to_string(value / unit);
    if (std::uint64_t rest = value % unit; rest > 0) {
      std::string digits = std::to_string(rest);
      digits.insert(0, std::to_string(unit).size() - 1 - digits.size(), '0');
      digits.erase(digits.find_last_not_of('0') + 1);
      text += "." + digits;
    }
    return text + std::string(name);
  };
  if (n < kMicrosecond) return out + std::to_string(n) + "ns";
  if (n < kMillisecond) return out + decimal(n, kMicrosecond, "us");
  if (n < kSecond) return out + decimal(n, kMillisecond, "ms");
  if (n >= kHour) {
    out += std::to_string(n / kHour) + "h";
    n %= kHour;
  }
  if (n >= kMinute) {
    out += std::to_string(n / kMinute) + "m";
    n %= kMinute;
  }
  if (n > 0) out += decimal(n, kSecond, "s");
  return out;
}

}  // namespace steward::base
