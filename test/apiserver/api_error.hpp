// API failures as the real server reports them: a metav1.Status body with reason, details and code.
// Handlers throw ApiError; the router turns it into the response, so every failure has the same shape.
#pragma once

#include "json.hpp"

#include <string>
#include <vector>

namespace steward::testapi {

struct StatusCause {
  std::string reason;
  std::string message;
  std::string field;
};

struct ApiError {
  int code = 500;
  std::string reason;   // metav1.StatusReason, e.g. "NotFound"
  std::string message;  // empty: no "message" member (as for some real answers)
  // details; `has_details` false omits the member entirely (e.g. 401, watch 410).
  bool has_details = false;
  std::string name;
  std::string group;
  std::string kind;
  std::string uid;
  std::vector<StatusCause> causes;
  int retry_after_seconds = 0;  // > 0: details.retryAfterSeconds and a Retry-After header
  json::Value list_metadata = json::Value::object();  // Status.metadata (continue token on 410)

  json::Value to_status() const;
};

// The constructors below produce the exact messages of the reference transcripts.
// `resource` is the plural resource name (the real server puts it in details.kind for these).
ApiError not_found(const std::string& group, const std::string& resource, const std::string& name);
ApiError already_exists(const std::string& group, const std::string& resource, const std::string& name);
ApiError conflict_modified(const std::string& group, const std::string& resource, const std::string& name);
ApiError bad_request(const std::string& message);
// 410 Expired (apimachinery's errors.NewResourceExpired): a version or continue token too old.
ApiError expired(const std::string& message);
ApiError unauthorized();
ApiError method_not_supported(const std::string& group, const std::string& resource, const std::string& verb);
ApiError unsupported_media_type();
ApiError internal_error(const std::string& message);

}  // namespace steward::testapi
