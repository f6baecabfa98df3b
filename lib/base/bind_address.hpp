#pragma once
// Bind addresses as Go's net.Listen and controller-runtime's --metrics-bind-address take them:
// "host:port", ":8080" for every interface, "[::1]:8080" for an IPv6 host, port 0 for a free port
// the kernel picks, and "0" alone for "do not listen at all". One reading for the config check
// (config/) and the server that listens (manager/http_server.cpp), so the file is refused exactly
// when the server would refuse it; each words its own error from the BindAddressError.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace steward::base {

// "0": the endpoint is off.
inline constexpr std::string_view kBindAddressDisabled = "0";

struct BindAddress {
  std::string host;  // empty: all interfaces; an IPv6 address without its brackets
  std::uint16_t port = 0;
};

// Why an address is not host:port, checked in this order.
struct BindAddressError {
  enum class Kind {
    kNotHostPort,        // no ':' at all
    kBadPort,            // what follows the last ':' is not a number from 0 to 65535
    kIpv6NotBracketed,   // the host has a ':', which only a bracketed IPv6 address may have
  };
  Kind kind = Kind::kNotHostPort;
  std::string port;  // what follows the last ':' ("" for kNotHostPort)
};

// The host and port of `address`, or nullopt and why not in `why` if given. "0" is not an
// address (check for kBindAddressDisabled first); the host is not resolved here.
std::optional<BindAddress> parse_bind_address(std::string_view address,
                                              BindAddressError* why = nullptr);

}  // namespace steward::base
