// compute() chains the rules in the order health.hpp lists; worst() orders the statuses.
#include "health/health.hpp"

#include "health/fields.hpp"
#include "health/rules.hpp"

namespace steward::health {
namespace {

// worst()'s order, from best (0) to worst; health.hpp says why.
int severity(Status status) {
  switch (status) {
    case Status::Current: return 0;
    case Status::InProgress: return 1;
    case Status::Terminating: return 2;
    case Status::NotFound: return 3;
    case Status::Unknown: return 4;
    case Status::Failed: return 5;
  }
  return 4;  // not a Status: as Unknown
}

}  // namespace

std::string_view to_string(Status status) {
  switch (status) {
    case Status::Current: return "Current";
    case Status::InProgress: return "InProgress";
    case Status::Failed: return "Failed";
    case Status::Terminating: return "Terminating";
    case Status::NotFound: return "NotFound";
    case Status::Unknown: return "Unknown";
  }
  return "Unknown";
}

Status worst(Status a, Status b) { return severity(b) > severity(a) ? b : a; }

Health compute(const rapidjson::Value& object, const HealthOptions& options) {
  if (!object.IsObject() || string_field(object, {"kind"}).empty()) {
    return {Status::Unknown, "NotAnObject", "Not a Kubernetes object: no kind"};
  }
  if (auto health = terminating(object)) return std::move(*health);
  if (auto health = generation_not_observed(object)) return std::move(*health);
  if (auto health = standard_conditions(object)) return std::move(*health);
  if (auto health = kind_rules(object, options)) return std::move(*health);
  return other_kind(object, options);
}

}  // namespace steward::health
