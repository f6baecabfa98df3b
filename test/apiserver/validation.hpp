// Validation with the real server's messages: object names (apimachinery's validation package),
// and the namespace rule every Event must pass.
#pragma once

#include <optional>
#include <string>

#include "api_error.hpp"
#include "json.hpp"
#include "registry.hpp"

namespace steward::testapi {

// nullopt when valid; otherwise the text after `Invalid value: "NAME": `.
std::optional<std::string> validate_dns1123_subdomain(const std::string& name);
std::optional<std::string> validate_dns1123_label(const std::string& name);

// legacyValidateEvent's namespace rule (pkg/apis/core/validation/events.go), which core v1 and
// events.k8s.io/v1 Events both pass on create and update. `involved_ns` is the namespace of the
// involved object (core `involvedObject`, events.k8s.io `regarding`); `has_event_time` whether
// eventTime is set (always for an events.k8s.io/v1 Event). true when the Event may live in `event_ns`.
bool event_namespace_allowed(const std::string& event_ns, const std::string& involved_ns, bool has_event_time);

// An update (PUT, PATCH or server-side apply) that changes a field the real server lets no update
// change: 422 Invalid with one cause per field, as 1.20 answers it. Covered: a Job's
// spec.completions, spec.selector and spec.template (ValidateJobSpecUpdate: "field is immutable"),
// a Deployment's spec.selector (apps/v1 ValidateDeploymentUpdate), and a Service's cluster IP
// (validateUpgradeDowngradeClusterIPs: a changed spec.clusterIP is normalised into clusterIPs, whose
// first entry "may not change once set"). The Invalid value is Go's %#v of the new value in the
// real answer; here a string is quoted and anything else shown by its Go type only.
std::optional<ApiError> immutable_field_error(const ResourceType& type, const json::Value& old,
                                              const json::Value& updated);

}  // namespace steward::testapi
