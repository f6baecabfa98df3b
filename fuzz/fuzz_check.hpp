#pragma once
// The fuzz targets' own checks: a property the code under test must keep whatever the input. A
// broken one aborts, which libFuzzer reports as a crash and saves the input that broke it.

#include <cstdio>
#include <cstdlib>

namespace steward::fuzz {

inline void check(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "fuzz check failed: %s\n", what);
  std::abort();
}

}  // namespace steward::fuzz
