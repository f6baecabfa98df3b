#include "config/checks.hpp"

#include <cctype>

#include "base/bind_address.hpp"
#include "base/quote.hpp"
#include "config/show.hpp"
#include "desired/object_rules.hpp"

namespace steward::config {

using base::quote;

std::string positive(const double& value) {
  return value > 0 ? std::string() : "must be more than 0, got " + format_number(value);
}

std::string fraction(const double& value) {
  if (value > 0 && value <= 1) return {};
  return "must be more than 0 and at most 1, got " + format_number(value);
}

std::string positive_duration(const Duration& value) {
  if (value > Duration::zero()) return {};
  return "must be more than 0, got " + show(value);
}

std::string not_negative(const Duration& value) {
  if (value >= Duration::zero()) return {};
  return "must not be negative, got " + show(value);
}

std::string whole_seconds(const Duration& value) {
  if (value >= std::chrono::seconds(1) && value % std::chrono::seconds(1) == Duration::zero()) {
    return {};
  }
  return "must be a whole number of seconds, at least 1s, got " + show(value);
}

std::string off_or_second(const Duration& value) {
  if (value == Duration::zero() || value >= std::chrono::seconds(1)) return {};
  return "must be 0 (off) or at least 1s, got " + show(value);
}

std::string dns_label(const std::string& value) {
  if (desired::is_dns1123_label(value)) return {};
  return quote(value) + " must be a DNS-1123 label (at most 63 characters of a-z, 0-9 and '-', "
                        "starting and ending with a letter or digit)";
}

std::string dns_label_or_empty(const std::string& value) {
  return value.empty() ? std::string() : dns_label(value);
}

std::string dns_subdomain(const std::string& value) {
  if (desired::is_dns1123_subdomain(value)) return {};
  return quote(value) + " must be a DNS-1123 subdomain (at most 253 characters of a-z, 0-9, '-' "
                        "and '.', each part starting and ending with a letter or digit)";
}

std::string bind_address(const std::string& value) {
  if (value == base::kBindAddressDisabled) return {};
  const std::string usage = "must be host:port (\":8080\", \"127.0.0.1:8080\", \"[::1]:8080\") or "
                            "\"0\" to disable";
  base::BindAddressError why;
  const auto address = base::parse_bind_address(value, &why);
  if (!address) {
    switch (why.kind) {
      case base::BindAddressError::Kind::kNotHostPort: break;
      case base::BindAddressError::Kind::kBadPort:
        return "has port " + quote(why.port) + "; the port must be a number from 0 to 65535";
      case base::BindAddressError::Kind::kIpv6NotBracketed:
        return usage + " (an IPv6 host goes in brackets), got " + quote(value);
    }
    return usage + ", got " + quote(value);
  }
  // The server would only find out when it cannot resolve it.
  for (char c : address->host)
    if (std::isspace(static_cast<unsigned char>(c))) return usage + ", got " + quote(value);
  return {};
}

}  // namespace steward::config
