// labelSelector and fieldSelector as list and watch requests use them. Parse errors are the caller's
// 400 BadRequest; matching is on a stored object.
#pragma once

#include "json.hpp"

#include <optional>
#include <string>
#include <vector>

namespace steward::testapi {

class LabelSelector {
 public:
  enum class Op { Exists, NotExists, Equals, NotEquals, In, NotIn };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };

  // Grammar of k8s.io/apimachinery/pkg/labels: `a=b,c!=d,e in (x,y),f notin (z),g,!h`.
  // Returns the error message on failure.
  static std::optional<LabelSelector> parse(const std::string& text, std::string& error);

  bool empty() const { return reqs_.empty(); }
  bool matches(const json::Value& object) const;

 private:
  std::vector<Requirement> reqs_;
};

class FieldSelector {
 public:
  // Supports metadata.name and metadata.namespace with =, == and != (all the server needs for steward).
  static std::optional<FieldSelector> parse(const std::string& text, std::string& error);

  bool empty() const { return reqs_.empty(); }
  bool matches(const json::Value& object) const;

 private:
  struct Requirement {
    std::string field;
    bool equals;
    std::string value;
  };
  std::vector<Requirement> reqs_;
};

}  // namespace steward::testapi
