#include "reviews.hpp"

#include "api.hpp"
#include "api_error.hpp"

#include <algorithm>
#include <sstream>

namespace steward::testapi {

namespace {

constexpr const char* kTokenReviews = "/apis/authentication.k8s.io/v1/tokenreviews";
constexpr const char* kAccessReviews = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
// kube-apiserver's --api-audiences as scripts/kube-apiserver sets it.
constexpr const char* kAudience = "https://kubernetes.default.svc";

json::Value strings(const std::vector<std::string>& values) {
  json::Value out = json::Value::array();
  for (const auto& v : values) out.as_array().emplace_back(v);
  return out;
}

std::vector<std::string> strings_of(const json::Value* array) {
  std::vector<std::string> out;
  if (!array || !array->is_array()) return out;
  for (const auto& v : array->as_array())
    if (v.is_string()) out.push_back(v.as_string());
  return out;
}

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// The review echoed back with its status, as the real server answers a create of one: 201, the
// spec as sent, metadata with a null creationTimestamp (managedFields left out here).
Response answer(const json::Value& review, const char* api_version, const char* kind, json::Value status) {
  json::Value out = json::Value::object();
  out["kind"] = kind;
  out["apiVersion"] = api_version;
  out["metadata"]["creationTimestamp"] = nullptr;
  if (const json::Value* spec = review.find("spec")) out["spec"] = *spec;
  out["status"] = std::move(status);
  return json_response(201, out);
}

ApiError invalid_review(const std::string& field, const std::string& value, const std::string& detail) {
  ApiError e;
  e.code = 422;
  e.reason = "Invalid";
  e.has_details = true;
  e.group = "authorization.k8s.io";
  const std::string cause = "Invalid value: \"" + value + "\": " + detail;
  e.message = ".authorization.k8s.io \"\" is invalid: " + field + ": " + cause;
  e.causes.push_back({"FieldValueInvalid", cause, field});
  return e;
}

// rbac/v1 helpers.go VerbMatches and NonResourceURLMatches.
bool verb_matches(const json::Value& rule, const std::string& verb) {
  const auto verbs = strings_of(rule.find("verbs"));
  return contains(verbs, "*") || contains(verbs, verb);
}

bool url_matches(const json::Value& rule, const std::string& path) {
  for (const auto& url : strings_of(rule.find("nonResourceURLs"))) {
    if (url == "*" || url == path) return true;
    if (!url.empty() && url.back() == '*' && path.compare(0, url.size() - 1, url, 0, url.size() - 1) == 0)
      return true;
  }
  return false;
}

// rbac.go appliesToUser: the subject's description for the reason, or nullopt.
std::optional<std::string> subject_applies(const json::Value& subject, const std::string& user,
                                           const std::vector<std::string>& groups) {
  const std::string kind = subject.str("kind");
  const std::string name = subject.str("name");
  if (kind == "User" && name == user) return "User \"" + name + "\"";
  if (kind == "Group" && contains(groups, name)) return "Group \"" + name + "\"";
  if (kind == "ServiceAccount" &&
      user == "system:serviceaccount:" + subject.str("namespace") + ":" + name)
    return "ServiceAccount \"" + name + "/" + subject.str("namespace") + "\"";
  return std::nullopt;
}

}  // namespace

std::optional<StaticUser> parse_static_user(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
  if (fields.size() < 3 || fields[0].empty() || fields[1].empty() || fields[2].empty()) return std::nullopt;
  return StaticUser{fields[0], fields[1], fields[2], std::vector<std::string>(fields.begin() + 3, fields.end())};
}

const StaticUser* Reviews::user_of_token(const std::string& token) const {
  for (const auto& user : users_)
    if (user.token == token) return &user;
  return nullptr;
}

void Reviews::set_admin_token(const std::string& token) {
  if (!users_.empty()) users_.front().token = token;
}

std::optional<Response> Reviews::handle(const Request& req) const {
  const bool tokens = req.path == kTokenReviews;
  if (!tokens && req.path != kAccessReviews) return std::nullopt;
  if (req.method != "POST") {
    return error_response(method_not_supported(tokens ? "authentication.k8s.io" : "authorization.k8s.io",
                                               tokens ? "tokenreviews" : "subjectaccessreviews",
                                               req.method == "GET" ? "list" : req.method));
  }
  json::Value review;
  try {
    review = json::parse(req.body);
  } catch (const json::ParseError& e) {
    return error_response(bad_request(e.what()));
  }
  return tokens ? token_review(review) : access_review(review);
}

Response Reviews::token_review(const json::Value& review) const {
  const json::Value* token = review.at_path("spec.token");
  if (!token || !token->is_string() || token->as_string().empty())
    return error_response(bad_request("token is required for TokenReview in authentication"));
  json::Value status = json::Value::object();
  const StaticUser* user = user_of_token(token->as_string());
  if (!user) {
    status["user"] = json::Value::object();
    status["error"] = "invalid bearer token";
  } else {
    // The authenticator chain adds system:authenticated (group/authenticated_group_adder.go).
    std::vector<std::string> groups = user->groups;
    if (!contains(groups, "system:authenticated")) groups.push_back("system:authenticated");
    status["authenticated"] = true;
    status["user"]["username"] = user->name;
    status["user"]["uid"] = user->uid;
    status["user"]["groups"] = strings(groups);
    status["audiences"] = strings({kAudience});
  }
  return answer(review, "authentication.k8s.io/v1", "TokenReview", std::move(status));
}

Response Reviews::access_review(const json::Value& review) const {
  const json::Value* resource = review.at_path("spec.resourceAttributes");
  const json::Value* non_resource = review.at_path("spec.nonResourceAttributes");
  const bool has_resource = resource && resource->is_object();
  const bool has_non_resource = non_resource && non_resource->is_object();
  if (has_resource == has_non_resource) {
    return error_response(invalid_review("spec.resourceAttributes", "null",
                                         "exactly one of nonResourceAttributes or resourceAttributes must be specified"));
  }
  const json::Value* spec = review.find("spec");
  const std::string user = spec->str("user");
  const std::vector<std::string> groups = strings_of(spec->find("groups"));
  if (user.empty() && groups.empty())
    return error_response(invalid_review("spec.user", "", "at least one of user or group must be specified"));

  json::Value status = json::Value::object();
  if (contains(groups, "system:masters")) {
    status["allowed"] = true;
  } else if (has_non_resource) {
    if (auto reason = rbac_allows(user, groups, non_resource->str("verb"), non_resource->str("path"))) {
      status["allowed"] = true;
      status["reason"] = *reason;
    } else {
      status["allowed"] = false;
    }
  } else {
    status["allowed"] = false;
  }
  return answer(review, "authorization.k8s.io/v1", "SubjectAccessReview", std::move(status));
}

std::optional<std::string> Reviews::rbac_allows(const std::string& user, const std::vector<std::string>& groups,
                                                const std::string& verb, const std::string& path) const {
  const std::string bindings_key = "rbac.authorization.k8s.io/clusterrolebindings";
  const std::string roles_key = "rbac.authorization.k8s.io/clusterroles";
  const auto bindings = store_.list(bindings_key, "", "", 0, [](const json::Value&) { return true; });
  for (const ObjectPtr& binding : bindings.items) {
    const json::Value* ref = binding->find("roleRef");
    if (!ref || ref->str("kind") != "ClusterRole") continue;
    std::optional<std::string> subject;
    if (const json::Value* subjects = binding->find("subjects"); subjects && subjects->is_array()) {
      for (const auto& s : subjects->as_array())
        if ((subject = subject_applies(s, user, groups))) break;
    }
    if (!subject) continue;
    const ObjectPtr role = store_.get(roles_key, "", ref->str("name"));
    const json::Value* rules = role ? role->find("rules") : nullptr;
    if (!rules || !rules->is_array()) continue;
    for (const auto& rule : rules->as_array()) {
      if (verb_matches(rule, verb) && url_matches(rule, path)) {
        return "RBAC: allowed by ClusterRoleBinding \"" + binding->at_path("metadata.name")->as_string() +
               "\" of ClusterRole \"" + ref->str("name") + "\" to " + *subject;
      }
    }
  }
  return std::nullopt;
}

}  // namespace steward::testapi
