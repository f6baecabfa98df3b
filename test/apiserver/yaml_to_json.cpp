#include "yaml_to_json.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <regex>

namespace steward::testapi {

namespace {

json::Value scalar(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  // yaml-cpp tags a quoted scalar "!" and a plain one "?": only plain scalars are resolved.
  if (n.Tag() != "?") return json::Value(s);
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return json::Value{};
  if (s == "true" || s == "True" || s == "TRUE") return json::Value(true);
  if (s == "false" || s == "False" || s == "FALSE") return json::Value(false);
  static const std::regex int_re("[-+]?[0-9]+");
  static const std::regex float_re("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (std::regex_match(s, int_re)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0) return json::Value(static_cast<std::int64_t>(v));
    return json::Value(std::strtod(s.c_str(), nullptr));
  }
  if (std::regex_match(s, float_re)) return json::Value(std::strtod(s.c_str(), nullptr));
  return json::Value(s);
}

json::Value convert(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return json::Value{};
    case YAML::NodeType::Scalar:
      return scalar(n);
    case YAML::NodeType::Sequence: {
      json::Value arr = json::Value::array();
      for (const auto& e : n) arr.as_array().push_back(convert(e));
      return arr;
    }
    case YAML::NodeType::Map: {
      json::Value obj = json::Value::object();
      for (const auto& kv : n) obj[kv.first.as<std::string>()] = convert(kv.second);
      return obj;
    }
  }
  return json::Value{};
}

}  // namespace

json::Value yaml_to_json(std::string_view text) {
  try {
    return convert(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    throw json::ParseError(e.what());
  }
}

}  // namespace steward::testapi
