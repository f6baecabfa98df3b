// The rules that apply to every kind: kstatus's generic properties (deletion, generation, the
// Reconciling and Stalled conditions), and the judgement of kinds no per-kind rule knows.
#include <string_view>

#include "health/fields.hpp"
#include "health/rules.hpp"

namespace steward::health {
namespace {

std::string or_default(std::string_view value, std::string_view fallback) {
  return std::string(value.empty() ? fallback : value);
}

// API groups that CRDs cannot use: the core group, unqualified groups ("apps", "batch") and
// Kubernetes' own "*.k8s.io" (a CRD in one needs an API-review approval annotation, and such CRDs
// follow the built-in conventions). Anything else is a custom resource.
bool builtin_group(std::string_view api_version) {
  auto slash = api_version.find('/');
  if (slash == std::string_view::npos) return true;  // "v1": the core group
  auto group = api_version.substr(0, slash);
  constexpr std::string_view k8s_io = ".k8s.io";
  return group.find('.') == std::string_view::npos ||
         (group.size() >= k8s_io.size() && group.substr(group.size() - k8s_io.size()) == k8s_io);
}

bool empty_status(const rapidjson::Value& object) {
  const auto* status = value_at(object, {"status"});
  return status == nullptr || status->IsNull() || (status->IsObject() && status->ObjectEmpty());
}

}  // namespace

Health current(std::string message) { return {Status::Current, {}, std::move(message)}; }
Health in_progress(std::string reason, std::string message) {
  return {Status::InProgress, std::move(reason), std::move(message)};
}
Health failed(std::string reason, std::string message) {
  return {Status::Failed, std::move(reason), std::move(message)};
}

std::optional<Health> terminating(const rapidjson::Value& object) {
  if (string_field(object, {"metadata", "deletionTimestamp"}).empty()) return std::nullopt;
  return Health{Status::Terminating, "Deleting", "Resource scheduled for deletion"};
}

// kstatus skips the rule when either field is absent: many kinds have no observedGeneration, and
// an absent one says nothing. (DaemonSet is stricter, in kinds.cpp.)
std::optional<Health> generation_not_observed(const rapidjson::Value& object) {
  if (!has_int_field(object, {"metadata", "generation"}) ||
      !has_int_field(object, {"status", "observedGeneration"})) {
    return std::nullopt;
  }
  auto generation = int_field(object, {"metadata", "generation"}, 0);
  auto observed = int_field(object, {"status", "observedGeneration"}, 0);
  if (generation == observed) return std::nullopt;
  return in_progress("LatestGenerationNotObserved",
                     std::string(string_field(object, {"kind"})) + " generation is " +
                         std::to_string(generation) + ", but latest observed generation is " +
                         std::to_string(observed));
}

// The first of Reconciling=True or Stalled=True in the list decides, as in kstatus.
std::optional<Health> standard_conditions(const rapidjson::Value& object) {
  std::optional<Health> health;
  any_condition(object, [&](const Condition& condition) {
    if (condition.status != "True") return false;
    if (condition.type == "Reconciling") {
      health = in_progress(or_default(condition.reason, "Reconciling"),
                           or_default(condition.message, "Resource is reconciling"));
    } else if (condition.type == "Stalled") {
      health = failed(or_default(condition.reason, "Stalled"),
                      or_default(condition.message, "Resource is stalled"));
    }
    return health.has_value();
  });
  return health;
}

Health other_kind(const rapidjson::Value& object, const HealthOptions& options) {
  // Not in kstatus, which calls such an object Current: a custom resource whose kind has a status
  // subresource gets its status only from its controller, so none yet means nobody has
  // reconciled it (or no controller runs at all), which is not "current".
  if (options.has_status_subresource && !builtin_group(string_field(object, {"apiVersion"})) &&
      empty_status(object)) {
    return in_progress("NoStatus", "Resource has a status subresource but no status yet");
  }
  // Not in kstatus either: Ready=False is the most common way custom controllers (Flux, most
  // operators) say "not there yet" without setting Reconciling.
  Condition ready;
  if (find_condition(object, "Ready", "False", &ready)) {
    return in_progress(or_default(ready.reason, "NotReady"),
                       or_default(ready.message, "Resource is not Ready"));
  }
  return current("Resource is current");
}

}  // namespace steward::health
