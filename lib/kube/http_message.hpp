#pragma once
// HTTP requests and responses as the API client sees them: plain values, no Beast types, so code
// above the transport compiles without Boost.Beast.

#include <string>

namespace steward::kube {

struct HttpRequest {
  std::string method;        // GET, POST, PUT, PATCH, DELETE
  std::string target;        // path and query, e.g. /api/v1/namespaces/default/configmaps?limit=500
  std::string content_type;  // of `body`; empty when there is none
  std::string body;
  std::string authorization;  // the Authorization header value, empty for none
  // For rest_client_request_duration_seconds{verb}: get, list, watch, create, update, patch,
  // apply, delete (client-go reports the HTTP method; steward is more specific where it knows).
  std::string verb;
  // A POST that changes nothing in the cluster (TokenReview, SubjectAccessReview): let through a
  // closed WriteFence, which holds back every other POST, PUT, PATCH and DELETE.
  bool passes_fence = false;
};

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string retry_after;  // the Retry-After header, empty if absent
  // X-Kubernetes-PF-FlowSchema-UID or -PriorityLevel-UID was there: the server runs API Priority
  // and Fairness (client_throttle.hpp).
  bool priority_and_fairness = false;
  std::string body;
};

}  // namespace steward::kube
