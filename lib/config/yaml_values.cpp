#include "config/yaml_values.hpp"

#include <yaml-cpp/yaml.h>

#include "base/go_duration.hpp"
#include "base/quote.hpp"

namespace steward::config {
namespace {

using base::quote;
using desired::ResolvedScalar;
using ScalarType = ResolvedScalar::Type;

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

// What a scalar holds, for "must be X, got Y" messages.
std::string describe(const ResolvedScalar& r, const std::string& text) {
  switch (r.type) {
    case ScalarType::kBool: return "the boolean " + text;
    case ScalarType::kInt:
    case ScalarType::kUint:
    case ScalarType::kOutOfRange: return "the integer " + text;
    case ScalarType::kFloat:
    case ScalarType::kNonFinite: return "the number " + text;
    case ScalarType::kNull: return "null";
    case ScalarType::kString: break;
  }
  return "the string " + quote(text);
}

}  // namespace

desired::Mark mark_of(const YAML::Mark& mark) {
  if (mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

std::string describe(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsScalar()) return "the value " + quote(node.Scalar());
  return "null";
}

void YamlValues::error(const YAML::Node& node, std::string message) {
  found_.error(mark_of(node.Mark()), std::move(message));
}

// The scalar `node` resolved as Kubernetes' YAML decoder would; kNull when it is not written;
// nullopt (reported) when it is not a scalar or its tag is not honoured.
std::optional<ResolvedScalar> YamlValues::scalar(const YAML::Node& node, const std::string& path,
                                                 std::string_view wanted) {
  if (node.IsNull()) return ResolvedScalar{.type = ScalarType::kNull};
  if (!node.IsScalar()) {
    error(node, path + " must be " + std::string(wanted) + ", not " + describe(node));
    return std::nullopt;
  }
  const std::string& tag = node.Tag();
  if (tag == "!") return ResolvedScalar{};  // quoted or block: a string
  if (tag == "?") return desired::resolve_plain_scalar(node.Scalar());
  const std::string_view name =
      tag.starts_with(kTagPrefix) ? std::string_view(tag).substr(kTagPrefix.size()) : "";
  if (name == "str") return ResolvedScalar{};
  if (name == "int" || name == "float" || name == "bool" || name == "null") {
    ResolvedScalar r = desired::resolve_plain_scalar(node.Scalar());
    const bool matches = (name == "int" && (r.type == ScalarType::kInt ||
                                             r.type == ScalarType::kUint)) ||
                         (name == "float" && (r.type == ScalarType::kFloat ||
                                               r.type == ScalarType::kInt)) ||
                         (name == "bool" && r.type == ScalarType::kBool) ||
                         (name == "null" && r.type == ScalarType::kNull);
    if (matches) return r;
    error(node, path + ": cannot read " + quote(node.Scalar()) + " as !!" + std::string(name));
    return std::nullopt;
  }
  error(node, path + ": unsupported tag " + quote(tag));
  return std::nullopt;
}

std::optional<bool> YamlValues::boolean(const YAML::Node& node, const std::string& path) {
  const char* wanted = "true or false";
  auto r = scalar(node, path, wanted);
  if (!r || r->type == ScalarType::kNull) return std::nullopt;
  if (r->type == ScalarType::kBool) return r->boolean;
  error(node, path + " must be " + wanted + ", got " + describe(*r, node.Scalar()));
  return std::nullopt;
}

std::optional<std::int64_t> YamlValues::integer(const YAML::Node& node, const std::string& path) {
  const char* wanted = "an integer";
  auto r = scalar(node, path, wanted);
  if (!r || r->type == ScalarType::kNull) return std::nullopt;
  if (r->type == ScalarType::kInt) return r->integer;
  if (r->type == ScalarType::kUint || r->type == ScalarType::kOutOfRange)
    error(node, path + ": " + node.Scalar() + " is too large");
  else
    error(node, path + " must be " + wanted + ", got " + describe(*r, node.Scalar()));
  return std::nullopt;
}

std::optional<double> YamlValues::number(const YAML::Node& node, const std::string& path) {
  const char* wanted = "a number";
  auto r = scalar(node, path, wanted);
  if (!r || r->type == ScalarType::kNull) return std::nullopt;
  if (r->type == ScalarType::kInt) return static_cast<double>(r->integer);
  if (r->type == ScalarType::kFloat) return r->floating;
  if (r->type == ScalarType::kNonFinite)
    error(node, path + " must be a finite number, got " + node.Scalar());
  else
    error(node, path + " must be " + wanted + ", got " + describe(*r, node.Scalar()));
  return std::nullopt;
}

std::optional<std::string> YamlValues::string(const YAML::Node& node, const std::string& path) {
  const char* wanted = "a string";
  auto r = scalar(node, path, wanted);
  if (!r || r->type == ScalarType::kNull) return std::nullopt;
  if (r->type == ScalarType::kString) return node.Scalar();
  error(node, path + " must be " + wanted + ", got " + describe(*r, node.Scalar()) +
                  " (quote it: " + quote(node.Scalar()) + ")");
  return std::nullopt;
}

// Plain `0` and `10` resolve as integers; they are read as duration text so `0` works and `10`
// gets the "missing unit" message rather than a type error.
std::optional<Duration> YamlValues::duration(const YAML::Node& node, const std::string& path) {
  const char* wanted = "a duration such as \"500ms\", \"10s\" or \"1m30s\"";
  auto r = scalar(node, path, wanted);
  if (!r || r->type == ScalarType::kNull) return std::nullopt;
  if (r->type == ScalarType::kBool) {
    error(node, path + " must be " + wanted + ", got " + describe(*r, node.Scalar()));
    return std::nullopt;
  }
  std::string why;
  if (auto d = base::parse_duration(node.Scalar(), &why)) return d;
  error(node, path + " must be " + wanted + ": " + why);
  return std::nullopt;
}

}  // namespace steward::config
