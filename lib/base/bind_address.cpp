#include "base/bind_address.hpp"

#include <charconv>
#include <system_error>

namespace steward::base {

std::optional<BindAddress> parse_bind_address(std::string_view address, BindAddressError* why) {
  const auto fail = [&](BindAddressError::Kind kind,
                        std::string_view port) -> std::optional<BindAddress> {
    if (why) *why = {kind, std::string(port)};
    return std::nullopt;
  };
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return fail(BindAddressError::Kind::kNotHostPort, {});
  std::string_view host = address.substr(0, colon);
  const std::string_view port = address.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
    return fail(BindAddressError::Kind::kBadPort, port);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return fail(BindAddressError::Kind::kIpv6NotBracketed, port);
  }
  return BindAddress{std::string(host), static_cast<std::uint16_t>(value)};
}

}  // namespace steward::base
