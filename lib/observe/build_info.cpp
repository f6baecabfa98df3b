#include "observe/build_info.hpp"

#include "steward/build_info_values.hpp"

namespace steward::observe {

const BuildInfo& build_info() {
  static const BuildInfo info{STEWARD_BUILD_VERSION, STEWARD_BUILD_COMMIT, STEWARD_BUILD_TYPE};
  return info;
}

}  // namespace steward::observe
