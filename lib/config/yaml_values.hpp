#pragma once
// One value of a StewardConfig, read from its YAML node as Kubernetes' YAML decoder reads it
// (desired/scalar_resolve.hpp): `yes` is a boolean, a quoted "50" a string. Each reader returns the
// value, or nullopt: when the node is null (not written, or written empty: the default stays) and
// when it is not that kind of value, which it reports at the node, naming the field's path.

#include <cstdint>
#include <optional>
#include <string>

#include "config/findings.hpp"
#include "config/steward_config.hpp"
#include "desired/scalar_resolve.hpp"

namespace YAML {
class Mark;
class Node;
}  // namespace YAML

namespace steward::config {

desired::Mark mark_of(const YAML::Mark& mark);

// What a node is, for "must be X, not Y": "a mapping", "a list", "the value \"30s\"".
std::string describe(const YAML::Node& node);

class YamlValues {
 public:
  explicit YamlValues(Findings& found) : found_(found) {}

  std::optional<bool> boolean(const YAML::Node& node, const std::string& path);
  std::optional<std::int64_t> integer(const YAML::Node& node, const std::string& path);
  std::optional<double> number(const YAML::Node& node, const std::string& path);
  std::optional<std::string> string(const YAML::Node& node, const std::string& path);
  std::optional<Duration> duration(const YAML::Node& node, const std::string& path);

 private:
  std::optional<desired::ResolvedScalar> scalar(const YAML::Node& node, const std::string& path,
                                                std::string_view wanted);
  void error(const YAML::Node& node, std::string message);

  Findings& found_;
};

}  // namespace steward::config
