#pragma once
// quote(): a value in an error message, in double quotes with '"' and '\' escaped, so that an
// empty value, one with spaces, and one ending in a quote all read unambiguously:
// `unknown unit "d" in duration "1d"`.

#include <string>
#include <string_view>

namespace steward::base {

std::string quote(std::string_view text);

}  // namespace steward::base
