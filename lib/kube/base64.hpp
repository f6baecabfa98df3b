#pragma once
// Standard (RFC 4648, "+/" alphabet, padded) base64, as kubeconfig's *-data fields use it.

#include <optional>
#include <string>
#include <string_view>

namespace steward::kube {

// The decoded bytes, or nullopt when `text` is not valid padded base64. ASCII whitespace is skipped
// (a long value may be wrapped across lines in YAML); the rest must be a multiple of 4 characters,
// with at most two '=' and only at the very end.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace steward::kube
