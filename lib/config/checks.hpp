#pragma once
// Checks of one value (field_table.hpp's Check), named for the table in fields.cpp. Each returns ""
// when the value is fine, else what is wrong, said after the field's path.

#include <string>

#include "config/steward_config.hpp"

namespace steward::config {

std::string positive(const double& value);               // > 0
std::string fraction(const double& value);               // 0 < f <= 1
std::string positive_duration(const Duration& value);    // > 0
std::string not_negative(const Duration& value);         // >= 0
std::string off_or_second(const Duration& value);        // 0 (off), or at least 1 s
std::string whole_seconds(const Duration& value);        // 1 s or more, no fraction of a second
std::string dns_label(const std::string& value);         // a DNS-1123 label
std::string dns_label_or_empty(const std::string& value);
std::string dns_subdomain(const std::string& value);     // a DNS-1123 subdomain
// host:port or "0" (base/bind_address.hpp), with no white space in the host.
std::string bind_address(const std::string& value);

}  // namespace steward::config
