#pragma once
// Resident memory of this process, for the benchmarks' memory figures.

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

}  // namespace steward::bench
