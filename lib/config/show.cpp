#include "config/show.hpp"

#include <charconv>

#include "base/go_duration.hpp"
#include "base/quote.hpp"

namespace steward::config {

std::string format_number(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

std::string show(bool value) { return value ? "true" : "false"; }
std::string show(int value) { return std::to_string(value); }
std::string show(double value) { return format_number(value); }
std::string show(Duration value) { return base::format_duration(value); }
std::string show(const std::string& value) { return base::quote(value); }
std::string show(const std::filesystem::path& value) { return base::quote(value.string()); }

}  // namespace steward::config
