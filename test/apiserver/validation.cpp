#include "validation.hpp"

#include <regex>

namespace steward::testapi {

std::optional<std::string> validate_dns1123_subdomain(const std::string& name) {
  static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  if (name.size() > 253) return "must be no more than 253 characters";
  if (!std::regex_match(name, re)) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
           "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
           "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  }
  return std::nullopt;
}

std::optional<std::string> validate_dns1123_label(const std::string& name) {
  static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  if (name.size() > 63) return "must be no more than 63 characters";
  if (!std::regex_match(name, re)) {
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
           "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
           "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
  }
  return std::nullopt;
}

bool event_namespace_allowed(const std::string& event_ns, const std::string& involved_ns, bool has_event_time) {
  // An old-style Event (no eventTime) about a cluster-scoped object may sit in "" or "default" (old
  // clients), one about a namespaced object in that object's namespace. A new-style Event about a
  // cluster-scoped object must be in kube-system; about a namespaced one, anywhere.
  if (!has_event_time) return involved_ns.empty() ? event_ns.empty() || event_ns == "default" : event_ns == involved_ns;
  return !involved_ns.empty() || event_ns == "kube-system";
}

namespace {

struct FieldError {
  std::string field;
  std::string detail;  // "Invalid value: ...: field is immutable"
};

// `path` in `old` and `updated` differ (absent counts as a value): "field is immutable" showing
// the new value as Go's type `go_type`.
void check_immutable(const json::Value& old, const json::Value& updated, const std::string& path,
                     const std::string& go_type, std::vector<FieldError>& errors) {
  const json::Value* before = old.at_path(path);
  const json::Value* after = updated.at_path(path);
  const bool same = (before == nullptr && after == nullptr) ||
                    (before != nullptr && after != nullptr && *before == *after);
  if (same) return;
  errors.push_back({path, "Invalid value: " + go_type + "{...}: field is immutable"});
}

void check_cluster_ip(const json::Value& old, const json::Value& updated,
                      std::vector<FieldError>& errors) {
  const json::Value* old_spec = old.find("spec");
  const json::Value* new_spec = updated.find("spec");
  if (old_spec == nullptr || new_spec == nullptr) return;
  if (old_spec->str("type") == "ExternalName" || new_spec->str("type") == "ExternalName") return;
  const std::string before = old_spec->str("clusterIP");
  const std::string after = new_spec->str("clusterIP");
  if (before.empty() || after.empty() || before == after) return;
  if (before == "None" && after == "None") return;
  errors.push_back({"spec.clusterIPs[0]",
                    "Invalid value: []string{" + json::write(json::Value(after)) +
                        "}: may not change once set"});
}

}  // namespace

std::optional<ApiError> immutable_field_error(const ResourceType& type, const json::Value& old,
                                              const json::Value& updated) {
  if (!type.builtin) return std::nullopt;
  std::vector<FieldError> errors;
  if (type.group == "batch" && type.kind == "Job") {
    check_immutable(old, updated, "spec.completions", "(*int32)", errors);
    check_immutable(old, updated, "spec.selector", "&v1.LabelSelector", errors);
    check_immutable(old, updated, "spec.template", "core.PodTemplateSpec", errors);
  } else if (type.group == "apps" && type.kind == "Deployment") {
    check_immutable(old, updated, "spec.selector", "&v1.LabelSelector", errors);
  } else if (type.group.empty() && type.kind == "Service") {
    check_cluster_ip(old, updated, errors);
  }
  if (errors.empty()) return std::nullopt;
  const json::Value* name_value = old.at_path("metadata.name");
  const std::string name = name_value && name_value->is_string() ? name_value->as_string() : "";
  ApiError e;
  e.code = 422;
  e.reason = "Invalid";
  const std::string kind = type.group.empty() ? type.kind : type.kind + "." + type.group;
  // One error is written bare, several as a list (field.ErrorList.ToAggregate).
  std::string list;
  for (const FieldError& error : errors) {
    if (!list.empty()) list += ", ";
    list += error.field + ": " + error.detail;
  }
  e.message = kind + " " + json::write(json::Value(name)) + " is invalid: " +
              (errors.size() == 1 ? list : "[" + list + "]");
  e.has_details = true;
  e.name = name;
  e.group = type.group;
  e.kind = type.kind;
  for (const FieldError& error : errors) e.causes.push_back({"FieldValueInvalid", error.detail, error.field});
  return e;
}

}  // namespace steward::testapi
