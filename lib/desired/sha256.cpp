#include "desired/sha256.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

namespace steward::desired {

Sha256 sha256(std::string_view text) {
  Sha256 digest{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size()) {
    throw std::runtime_error("SHA-256 failed");
  }
  return digest;
}

std::string to_hex(const Sha256& digest, std::size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes);
  for (std::size_t i = 0; i < std::min(bytes, digest.size()); ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace steward::desired
