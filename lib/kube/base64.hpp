#pragma once
// Base64 (RFC 4648): the standard alphabet ("+/", padded) that kubeconfig's *-data fields use, and
// the URL-safe one ("-_", unpadded) of ApplySet ids.

#include <optional>
#include <string>
#include <string_view>

namespace steward::kube {

// The decoded bytes, or nullopt when `text` is not valid padded base64. ASCII whitespace is skipped
// (a long value may be wrapped across lines in YAML); the rest must be a multiple of 4 characters,
// with at most two '=' and only at the very end.
std::optional<std::string> decode_base64(std::string_view text);

// `bytes` in the URL-safe alphabet without padding (RFC 4648 section 5; Go's
// base64.RawURLEncoding).
std::string encode_base64url(std::string_view bytes);

}  // namespace steward::kube
