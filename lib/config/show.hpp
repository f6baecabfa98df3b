#pragma once
// Values as the file would write them, for compare()'s changes, the docs' defaults and error
// messages: strings quoted, durations Go-style ("10m"), numbers as short as they read back.

#include <filesystem>
#include <string>
#include <string_view>

#include "config/steward_config.hpp"

namespace steward::config {

// The shortest text that reads back as `value`: "50", "0.25", "2.5".
std::string format_number(double value);

std::string show(bool value);
std::string show(int value);
std::string show(double value);
std::string show(Duration value);
std::string show(const std::string& value);
std::string show(const std::filesystem::path& value);
// Ignore rules as flow YAML: "[]", "[{paths: [/spec/replicas], target: {kind: Deployment}}]".
std::string show(const std::vector<reconcile::IgnoreRule>& rules);
// ["a", "b"]
std::string show(const std::vector<std::string>& values);

}  // namespace steward::config
