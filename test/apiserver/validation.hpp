// Object name validation, with the real server's messages (apimachinery's validation package).
#pragma once

#include <optional>
#include <string>

namespace steward::testapi {

// nullopt when valid; otherwise the text after `Invalid value: "NAME": `.
std::optional<std::string> validate_dns1123_subdomain(const std::string& name);
std::optional<std::string> validate_dns1123_label(const std::string& name);

}  // namespace steward::testapi
