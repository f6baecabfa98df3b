#pragma once
// Resident memory of this process, for the benchmarks' memory figures.

#include <malloc.h>

#include <fstream>
#include <string>

namespace steward::bench {

// Current resident set size (VmRSS in /proc/self/status), in bytes; 0 if unreadable.
inline long rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) * 1024;
  }
  return 0;
}

// Bytes malloc has handed out and not got back (mallinfo2): what the program holds, without the
// free holes inside the heap that rss_bytes() also counts.
inline long heap_in_use_bytes() {
  const struct mallinfo2 info = mallinfo2();
  return static_cast<long>(info.uordblks + info.hblkhd);
}

}  // namespace steward::bench
