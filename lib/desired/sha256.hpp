#pragma once
// SHA-256, the one strong hash steward computes (through OpenSSL): stable across builds, machines
// and restarts, unlike std::hash, so it can stand for content that is compared later or written
// into objects (the desired-hash annotation).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace steward::desired {

using Sha256 = std::array<std::uint8_t, 32>;

// Throws std::runtime_error if OpenSSL fails (out of memory, a FIPS provider refusing it).
Sha256 sha256(std::string_view text);

// The first `bytes` bytes of `digest` (at most all 32) in lower-case hex.
std::string to_hex(const Sha256& digest, std::size_t bytes = sizeof(Sha256));

}  // namespace steward::desired
