#pragma once
// How the fuzz targets that read a stream cut their input into pieces, as a connection's reads
// would: byte 0 of the input is the largest piece size less one (1..256 bytes), byte 1 seeds the
// generator; the rest of the input is the stream.

#include <cstddef>
#include <cstdint>

namespace steward::fuzz {

// xorshift32: piece sizes reproducible from the input alone.
struct Pieces {
  std::uint32_t state;
  std::size_t largest;

  // From the input's first two bytes (the caller checks there are two).
  static Pieces from(const std::uint8_t* data) {
    return {0x9e3779b9u ^ (std::uint32_t{data[1]} * 0x01000193u), std::size_t{data[0]} + 1};
  }

  std::size_t next() {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return 1 + state % largest;
  }
};

}  // namespace steward::fuzz
