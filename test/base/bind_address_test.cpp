// Bind addresses: the one reading behind both the config check and the HTTP server.

#include <catch2/catch.hpp>

#include <string>

#include "base/bind_address.hpp"

using steward::base::BindAddress;
using steward::base::BindAddressError;
using steward::base::parse_bind_address;
using Kind = BindAddressError::Kind;

namespace {

// What `address` reads as; fails the test when it is refused.
BindAddress accepted(const std::string& address) {
  INFO(address);
  const auto bind = parse_bind_address(address);
  REQUIRE(bind);
  return *bind;
}

// Why `address` is refused; fails the test when it is not.
BindAddressError refused(const std::string& address) {
  BindAddressError why;
  INFO(address);
  CHECK_FALSE(parse_bind_address(address, &why));
  return why;
}

}  // namespace

TEST_CASE("a bind address is host:port, the host empty for every interface") {
  CHECK(accepted(":8080").host.empty());
  CHECK(accepted(":8080").port == 8080);
  CHECK(accepted("127.0.0.1:0").host == "127.0.0.1");
  CHECK(accepted("127.0.0.1:0").port == 0);
  CHECK(accepted("localhost:65535").host == "localhost");
  CHECK(accepted("localhost:65535").port == 65535);
}

TEST_CASE("an IPv6 host goes in brackets, which are not part of it") {
  CHECK(accepted("[::1]:9091").host == "::1");
  CHECK(accepted("[::1]:9091").port == 9091);
  CHECK(accepted("[::]:80").host == "::");

  CHECK(refused("::1:8080").kind == Kind::kIpv6NotBracketed);
  CHECK(refused("[::1:8080").kind == Kind::kIpv6NotBracketed);
  // The last ':' starts the port, so brackets without one leave a port of "1]".
  const BindAddressError bracketed = refused("[::1]");
  CHECK(bracketed.kind == Kind::kBadPort);
  CHECK(bracketed.port == "1]");
}

TEST_CASE("a bind address without a port from 0 to 65535 is refused, saying which part is wrong") {
  CHECK(refused("8080").kind == Kind::kNotHostPort);
  CHECK(refused("").kind == Kind::kNotHostPort);
  // "0" alone means "disabled" to the callers, who check for it first; it is not an address.
  CHECK(refused(std::string(steward::base::kBindAddressDisabled)).kind == Kind::kNotHostPort);
  for (const char* address : {"127.0.0.1:http", ":65536", "host:", ":-1", ":80 ", ":+80"}) {
    const BindAddressError why = refused(address);
    CHECK(why.kind == Kind::kBadPort);
    CHECK(why.port == std::string(address).substr(std::string(address).rfind(':') + 1));
  }
  CHECK_FALSE(parse_bind_address("nope"));  // `why` is optional
}
