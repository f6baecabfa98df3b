#pragma once
// UTF-8 validation of manifest text. yaml-cpp passes invalid bytes through unchanged, and the API
// server rejects (or worse, mangles) JSON that is not UTF-8, so steward refuses it at load time and
// says where the first bad byte is.

#include <optional>
#include <string_view>

#include "desired/location.hpp"

namespace steward::desired {

// The place of the first byte that does not start or continue a well-formed UTF-8 sequence
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or nullopt if `text` is
// valid. Columns count bytes, as yaml-cpp's marks do.
std::optional<Mark> find_invalid_utf8(std::string_view text);

}  // namespace steward::desired
