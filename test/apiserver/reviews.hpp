// TokenReview and SubjectAccessReview, as kube-apiserver 1.20 answers them with a static token
// file (--token-auth-file) and --authorization-mode=RBAC (pkg/registry/authentication/tokenreview,
// pkg/registry/authorization/subjectaccessreview; answers captured from the real server with
// scripts/kube-apiserver, see README.md "Reviews"):
//
//   POST /apis/authentication.k8s.io/v1/tokenreviews      201, status.authenticated and user
//        (groups + "system:authenticated", audiences the server's), or {"user":{},"error":
//        "invalid bearer token"}; no spec.token: 400.
//   POST /apis/authorization.k8s.io/v1/subjectaccessreviews
//        201, status.allowed (and the RBAC reason naming the binding) for nonResourceAttributes,
//        from the ClusterRoleBindings and ClusterRoles in the store; group system:masters is
//        allowed everything (no reason, as the real server's privileged-group authorizer).
//        Not exactly one of resourceAttributes / nonResourceAttributes, or neither user nor
//        groups: 422. resourceAttributes: allowed only for system:masters (Roles and resource
//        rules are not evaluated here).
//
// Who may make reviews is the router's business (only the admin token, as with every request).
#pragma once

#include "http_types.hpp"
#include "store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace steward::testapi {

// A line of a static token file: token,name,uid[,group...].
struct StaticUser {
  std::string token;
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
};

// Reads "token,name,uid[,group...]"; nullopt when a field of the first three is empty.
std::optional<StaticUser> parse_static_user(const std::string& line);

class Reviews {
 public:
  Reviews(const Store& store, std::vector<StaticUser> users) : store_(store), users_(std::move(users)) {}

  // nullopt: not a review path.
  std::optional<Response> handle(const Request& req) const;

  // The user a bearer token belongs to, or null.
  const StaticUser* user_of_token(const std::string& token) const;
  void set_admin_token(const std::string& token);

 private:
  Response token_review(const json::Value& review) const;
  Response access_review(const json::Value& review) const;
  // The RBAC reason allowing it, or nullopt.
  std::optional<std::string> rbac_allows(const std::string& user, const std::vector<std::string>& groups,
                                         const std::string& verb, const std::string& path) const;

  const Store& store_;
  std::vector<StaticUser> users_;  // the first is the admin (the server's --token)
};

}  // namespace steward::testapi
