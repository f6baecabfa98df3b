// Validation with the real server's messages: object names (apimachinery's validation package),
// and the namespace rule every Event must pass.
#pragma once

#include <optional>
#include <string>

namespace steward::testapi {

// nullopt when valid; otherwise the text after `Invalid value: "NAME": `.
std::optional<std::string> validate_dns1123_subdomain(const std::string& name);
std::optional<std::string> validate_dns1123_label(const std::string& name);

// legacyValidateEvent's namespace rule (pkg/apis/core/validation/events.go), which core v1 and
// events.k8s.io/v1 Events both pass on create and update. `involved_ns` is the namespace of the
// involved object (core `involvedObject`, events.k8s.io `regarding`); `has_event_time` whether
// eventTime is set (always for an events.k8s.io/v1 Event). true when the Event may live in `event_ns`.
bool event_namespace_allowed(const std::string& event_ns, const std::string& involved_ns, bool has_event_time);

}  // namespace steward::testapi
