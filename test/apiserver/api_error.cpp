#include "api_error.hpp"

namespace steward::testapi {

json::Value ApiError::to_status() const {
  json::Value s = json::Value::object();
  s["kind"] = "Status";
  s["apiVersion"] = "v1";
  s["metadata"] = list_metadata;
  s["status"] = "Failure";
  if (!message.empty()) s["message"] = message;
  if (!reason.empty()) s["reason"] = reason;  // an error that is no metav1.Status has none
  if (has_details) {
    json::Value d = json::Value::object();
    if (!name.empty()) d["name"] = name;
    if (!group.empty()) d["group"] = group;
    if (!kind.empty()) d["kind"] = kind;
    if (!uid.empty()) d["uid"] = uid;
    if (!causes.empty()) {
      json::Value arr = json::Value::array();
      for (const auto& c : causes) {
        json::Value jc = json::Value::object();
        if (!c.reason.empty()) jc["reason"] = c.reason;
        if (!c.message.empty()) jc["message"] = c.message;
        if (!c.field.empty()) jc["field"] = c.field;
        arr.as_array().push_back(std::move(jc));
      }
      d["causes"] = std::move(arr);
    }
    if (retry_after_seconds > 0) d["retryAfterSeconds"] = retry_after_seconds;
    s["details"] = std::move(d);
  }
  s["code"] = code;
  return s;
}

namespace {
// "configmaps" or "deployments.apps": how the real server qualifies a resource in messages.
std::string qualified(const std::string& group, const std::string& resource) {
  return group.empty() ? resource : resource + "." + group;
}

// A Status with no details.
ApiError plain(int code, std::string reason, std::string message) {
  ApiError e;
  e.code = code;
  e.reason = std::move(reason);
  e.message = std::move(message);
  return e;
}

ApiError with_details(int code, std::string reason, std::string message, const std::string& group,
                      const std::string& resource, const std::string& name) {
  ApiError e;
  e.code = code;
  e.reason = std::move(reason);
  e.message = std::move(message);
  e.has_details = true;
  e.name = name;
  e.group = group;
  e.kind = resource;
  return e;
}
}  // namespace

ApiError not_found(const std::string& group, const std::string& resource, const std::string& name) {
  return with_details(404, "NotFound", qualified(group, resource) + " \"" + name + "\" not found", group,
                      resource, name);
}

ApiError already_exists(const std::string& group, const std::string& resource, const std::string& name) {
  return with_details(409, "AlreadyExists", qualified(group, resource) + " \"" + name + "\" already exists",
                      group, resource, name);
}

ApiError conflict_modified(const std::string& group, const std::string& resource, const std::string& name) {
  return with_details(409, "Conflict",
                      "Operation cannot be fulfilled on " + qualified(group, resource) + " \"" + name +
                          "\": the object has been modified; please apply your changes to the latest "
                          "version and try again",
                      group, resource, name);
}

ApiError bad_request(const std::string& message) { return plain(400, "BadRequest", message); }

ApiError expired(const std::string& message) { return plain(410, "Expired", message); }

ApiError unauthorized() { return plain(401, "Unauthorized", "Unauthorized"); }

ApiError method_not_supported(const std::string& group, const std::string& resource, const std::string& verb) {
  ApiError e = with_details(405, "MethodNotAllowed",
                            verb + " is not supported on resources of kind \"" + qualified(group, resource) + "\"",
                            group, resource, "");
  return e;
}

ApiError unsupported_media_type() {
  ApiError e;
  e.code = 415;
  e.reason = "UnsupportedMediaType";
  e.message = "the body of the request was in an unknown format - accepted media types include: "
              "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";
  return e;
}

ApiError internal_error(const std::string& message) {
  ApiError e;
  e.code = 500;
  e.reason = "InternalError";
  e.message = "Internal error occurred: " + message;
  e.has_details = true;
  e.causes.push_back({"UnexpectedServerResponse", message, ""});
  return e;
}

}  // namespace steward::testapi
