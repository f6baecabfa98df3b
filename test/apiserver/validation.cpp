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

}  // namespace steward::testapi
