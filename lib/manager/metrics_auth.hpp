#pragma once
// MetricsAuth: who may read /metrics, decided by the API server, as controller-runtime's
// filters.WithAuthenticationAndAuthorization decides it:
//
//   no "Authorization: Bearer <token>" header      401 Unauthorized
//   TokenReview: the server does not accept it     401 Unauthorized
//   SubjectAccessReview of the token's user (name, uid, groups, extra) for the non-resource
//   URL: verb "get", path "/metrics": not allowed   403 Forbidden
//   allowed                                        served (200)
//   either review could not be made (the server unreachable, steward's own credentials refused,
//   a malformed answer)                            503 Service Unavailable: never served
//
// controller-runtime answers a rejected token with 500 (its union authenticator turns "not
// authenticated" into an error); steward answers 401, as kube-apiserver itself does.
//
// Decisions are cached, so a scraper every 15 s costs two API calls per `allow_ttl` and not two
// per scrape: allowed ones for `allow_ttl`, 401 and 403 for `deny_ttl` (shorter: a new binding
// should work soon), failures not at all. The key is a SHA-256 of the token with the verb and
// path; the token itself is never stored, logged or put in an answer. The cache holds at most
// `max_entries` (a flood of made-up tokens evicts the entries nearest their end, never grows it).
//
// The reviews are made by an AccessReviewer (KubeAccessReviewer: POSTs through the daemon's
// kube::Client, so they pass its throttle, breaker and retries); tests give a fake one.
// Thread-safe: the cache has a lock; the reviews run as coroutines on the caller's executor.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.hpp"
#include "manager/request_authorizer.hpp"

namespace steward::kube {
class Client;
}

namespace steward::manager {

// authentication.k8s.io/v1 UserInfo: who a token belongs to.
struct UserInfo {
  std::string username;
  std::string uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;
};

struct TokenReviewResult {
  std::optional<std::string> error;  // the review could not be made (no opinion either way)
  bool authenticated = false;
  UserInfo user;  // when authenticated
};

struct AccessReviewResult {
  std::optional<std::string> error;  // the review could not be made
  bool allowed = false;
  std::string reason;  // the authorizer's, when it gave one
};

// The two reviews, as the API server makes them. Arguments by value (coroutines).
class AccessReviewer {
 public:
  virtual ~AccessReviewer() = default;
  virtual boost::asio::awaitable<TokenReviewResult> review_token(std::string token) = 0;
  // May `user` `verb` the non-resource URL `path`?
  virtual boost::asio::awaitable<AccessReviewResult> review_access(UserInfo user, std::string verb,
                                                                   std::string path) = 0;
};

// The reviews through the API server: POST /apis/authentication.k8s.io/v1/tokenreviews and
// /apis/authorization.k8s.io/v1/subjectaccessreviews (the service account needs `create` on
// both: deploy/base/clusterrole.yaml). `client` is borrowed and must outlive this.
class KubeAccessReviewer final : public AccessReviewer {
 public:
  explicit KubeAccessReviewer(kube::Client& client) : client_(client) {}
  boost::asio::awaitable<TokenReviewResult> review_token(std::string token) override;
  boost::asio::awaitable<AccessReviewResult> review_access(UserInfo user, std::string verb,
                                                           std::string path) override;

 private:
  kube::Client& client_;
};

struct MetricsAuthOptions {
  // How long a decision stands before the API server is asked again (seconds, as
  // controller-runtime's authentication cache counts in tens of seconds).
  std::chrono::milliseconds allow_ttl{10'000};
  std::chrono::milliseconds deny_ttl{2'000};
  // Decisions kept at most: far more than the scrapers of one cluster.
  std::size_t max_entries = 1024;
  const base::Clock* clock = &base::SteadyClock::instance();
};

class MetricsAuth final : public RequestAuthorizer {
 public:
  // `reviewer` is shared: the server's coroutines may outlive this object's owner.
  MetricsAuth(std::shared_ptr<AccessReviewer> reviewer, MetricsAuthOptions options = {});

  boost::asio::awaitable<AuthDecision> authorize(std::string authorization, std::string verb,
                                                 std::string path) override;

  // Cached decisions now (for tests).
  std::size_t cache_size() const;

 private:
  struct Entry {
    AuthDecision decision;
    base::Clock::time_point expires;
  };
  boost::asio::awaitable<AuthDecision> review(std::string token, std::string verb,
                                              std::string path);
  std::optional<AuthDecision> cached(const std::string& key);
  void remember(const std::string& key, const AuthDecision& decision);

  const std::shared_ptr<AccessReviewer> reviewer_;
  const MetricsAuthOptions options_;
  mutable std::mutex mu_;  // guards cache_
  std::unordered_map<std::string, Entry> cache_;
};

// The token of an "Authorization: Bearer <token>" header ("bearer" in any case, as the API
// server reads it), or nullopt when there is none.
std::optional<std::string> bearer_token(std::string_view authorization);

}  // namespace steward::manager
