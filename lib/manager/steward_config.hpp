#pragma once
// Transitional: the StewardConfig moved to lib/config/ (namespace steward::config). Only
// cmd/steward/diff_command.cpp, which another branch is changing, still includes this and names
// the config manager::...; once it includes config/steward_config.hpp, delete this header.

#include "config/steward_config.hpp"

namespace steward::manager {

using config::ConfigLoad;
using config::load_config_file;
using config::SourceConfig;
using config::StewardConfig;

}  // namespace steward::manager
