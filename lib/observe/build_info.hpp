#pragma once
// What this binary is: version, git commit and build type, fixed at build time.
// Read by `steward version` and, later, the steward_build_info metric.

#include <string_view>

namespace steward::observe {

struct BuildInfo {
  std::string_view version;     // semantic version from CMakeLists.txt
  std::string_view commit;      // short git commit, "-dirty" if built from a modified tree
  std::string_view build_type;  // CMake build type, "+sanitizers" if instrumented
};

const BuildInfo& build_info();

}  // namespace steward::observe
