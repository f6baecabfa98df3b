#include "desired/object_rules.hpp"

namespace steward::desired {

namespace {
bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
}  // namespace

bool is_dns1123_label(std::string_view value) {
  if (value.empty() || value.size() > 63) return false;
  if (!is_lower_alnum(value.front()) || !is_lower_alnum(value.back())) return false;
  for (char c : value)
    if (!is_lower_alnum(c) && c != '-') return false;
  return true;
}

bool is_dns1123_subdomain(std::string_view value) {
  if (value.empty() || value.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = value.find('.', start);
    const std::string_view part = value.substr(start, dot - start);
    // Parts of a subdomain follow the label rule, except for the 63-character cap.
    if (part.empty() || !is_lower_alnum(part.front()) || !is_lower_alnum(part.back())) return false;
    for (char c : part)
      if (!is_lower_alnum(c) && c != '-') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_path_segment_name(std::string_view value) {
  if (value.empty() || value == "." || value == "..") return false;
  return value.find_first_of("/%") == std::string_view::npos;
}

std::string check_object_name(std::string_view group, std::string_view kind,
                              std::string_view name) {
  const std::string shown = "metadata.name \"" + std::string(name) + "\"";
  if (group.empty() && (kind == "Namespace" || kind == "Service")) {
    if (!is_dns1123_label(name))
      return shown + " must be a DNS-1123 label (at most 63 characters of a-z, 0-9 and '-', "
                     "starting and ending with a letter or digit)";
    return {};
  }
  if (group == "rbac.authorization.k8s.io" &&
      (kind == "Role" || kind == "ClusterRole" || kind == "RoleBinding" ||
       kind == "ClusterRoleBinding")) {
    if (!is_path_segment_name(name))
      return shown + " must be a valid path segment (not \".\" or \"..\", no '/' or '%')";
    return {};
  }
  if (!is_dns1123_subdomain(name))
    return shown + " must be a DNS-1123 subdomain (at most 253 characters of a-z, 0-9, '-' and "
                   "'.', each part starting and ending with a letter or digit)";
  return {};
}

}  // namespace steward::desired
