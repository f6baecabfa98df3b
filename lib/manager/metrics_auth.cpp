#include "manager/metrics_auth.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "desired/sha256.hpp"
#include "kube/client.hpp"
#include "kube/object.hpp"
#include "observe/log.hpp"

namespace steward::manager {
namespace {

const observe::Logger kLog{"metrics"};

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_strings(Writer& w, const std::vector<std::string>& values) {
  w.StartArray();
  for (const auto& value : values) write_string(w, value);
  w.EndArray();
}

std::string token_review_body(std::string_view token) {
  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  w.Key("apiVersion");
  w.String("authentication.k8s.io/v1");
  w.Key("kind");
  w.String("TokenReview");
  w.Key("spec");
  w.StartObject();
  w.Key("token");
  write_string(w, token);
  w.EndObject();
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

std::string access_review_body(const UserInfo& user, std::string_view verb,
                               std::string_view path) {
  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  w.Key("apiVersion");
  w.String("authorization.k8s.io/v1");
  w.Key("kind");
  w.String("SubjectAccessReview");
  w.Key("spec");
  w.StartObject();
  w.Key("nonResourceAttributes");
  w.StartObject();
  w.Key("path");
  write_string(w, path);
  w.Key("verb");
  write_string(w, verb);
  w.EndObject();
  w.Key("user");
  write_string(w, user.username);
  if (!user.uid.empty()) {
    w.Key("uid");
    write_string(w, user.uid);
  }
  if (!user.groups.empty()) {
    w.Key("groups");
    write_strings(w, user.groups);
  }
  if (!user.extra.empty()) {
    w.Key("extra");
    w.StartObject();
    for (const auto& [key, values] : user.extra) {
      write_string(w, key);
      write_strings(w, values);
    }
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

std::vector<std::string> strings_of(const rapidjson::Value& array) {
  std::vector<std::string> out;
  if (!array.IsArray()) return out;
  for (const auto& item : array.GetArray()) {
    if (item.IsString()) out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

// The review's `status`, or null when the answer is not a JSON object with one.
const rapidjson::Value* review_status(const rapidjson::Document& doc) {
  if (doc.HasParseError() || !doc.IsObject()) return nullptr;
  const auto status = doc.FindMember("status");
  if (status == doc.MemberEnd() || !status->value.IsObject()) return nullptr;
  return &status->value;
}

bool bool_at(const rapidjson::Value& object, const char* name) {
  const auto member = object.FindMember(name);
  return member != object.MemberEnd() && member->value.IsBool() && member->value.GetBool();
}

kube::HttpRequest review_request(std::string target, std::string body) {
  return kube::HttpRequest{.method = "POST",
                           .target = std::move(target),
                           .content_type = "application/json",
                           .body = std::move(body),
                           .authorization = {},
                           .verb = "create",
                           // A review stores nothing: a standby replica, whose writes are fenced,
                           // must still let Prometheus scrape it.
                           .passes_fence = true};
}

std::string why_failed(const kube::Reply& reply) {
  return reply.error ? reply.error->to_string() : std::string("no answer");
}

AuthDecision refuse(int status, std::string message) {
  return AuthDecision{status, std::move(message)};
}

}  // namespace

// ---- the reviews through the API server -------------------------------------------------------

namespace {

// A review's answer: its `status` parsed into `doc`, or why there is none.
struct ReviewAnswer {
  rapidjson::Document doc;
  const rapidjson::Value* status = nullptr;
  std::optional<std::string> error;
};

boost::asio::awaitable<void> post_review(kube::Client& client, std::string kind,
                                         std::string target, std::string body,
                                         ReviewAnswer& answer) {
  const kube::Reply reply =
      co_await client.request(review_request(std::move(target), std::move(body)));
  if (!reply.ok()) {
    answer.error = kind + ": " + why_failed(reply);
    co_return;
  }
  answer.doc.Parse(reply.response.body.data(), reply.response.body.size());
  answer.status = review_status(answer.doc);
  if (answer.status == nullptr) answer.error = kind + ": the answer has no status";
}

UserInfo user_of(const rapidjson::Value& u) {
  UserInfo user;
  user.username = std::string(kube::string_at(u, {"username"}));
  user.uid = std::string(kube::string_at(u, {"uid"}));
  if (const auto groups = u.FindMember("groups"); groups != u.MemberEnd()) {
    user.groups = strings_of(groups->value);
  }
  if (const auto extra = u.FindMember("extra");
      extra != u.MemberEnd() && extra->value.IsObject()) {
    for (const auto& [key, values] : extra->value.GetObject()) {
      user.extra[std::string(key.GetString(), key.GetStringLength())] = strings_of(values);
    }
  }
  return user;
}

}  // namespace

boost::asio::awaitable<TokenReviewResult> KubeAccessReviewer::review_token(std::string token) {
  ReviewAnswer answer;
  co_await post_review(client_, "TokenReview", "/apis/authentication.k8s.io/v1/tokenreviews",
                       token_review_body(token), answer);
  TokenReviewResult result{.error = std::move(answer.error)};
  if (result.error) co_return result;
  result.authenticated = bool_at(*answer.status, "authenticated");
  const auto user = answer.status->FindMember("user");
  if (result.authenticated && user != answer.status->MemberEnd() && user->value.IsObject()) {
    result.user = user_of(user->value);
  }
  co_return result;
}

boost::asio::awaitable<AccessReviewResult> KubeAccessReviewer::review_access(UserInfo user,
                                                                             std::string verb,
                                                                             std::string path) {
  ReviewAnswer answer;
  co_await post_review(client_, "SubjectAccessReview",
                       "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                       access_review_body(user, verb, path), answer);
  AccessReviewResult result{.error = std::move(answer.error)};
  if (result.error) co_return result;
  result.allowed = bool_at(*answer.status, "allowed");
  result.reason = std::string(kube::string_at(*answer.status, {"reason"}));
  co_return result;
}

// ---- the filter -------------------------------------------------------------------------------

std::optional<std::string> bearer_token(std::string_view authorization) {
  // As apiserver's bearertoken authenticator: "<scheme> <token>", the scheme "bearer" in any case.
  const std::size_t space = authorization.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string scheme(authorization.substr(0, space));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "bearer") return std::nullopt;
  std::string_view token = authorization.substr(space + 1);
  token = token.substr(0, token.find(' '));
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

MetricsAuth::MetricsAuth(std::shared_ptr<AccessReviewer> reviewer, MetricsAuthOptions options)
    : reviewer_(std::move(reviewer)), options_(options) {}

boost::asio::awaitable<AuthDecision> MetricsAuth::authorize(std::string authorization,
                                                            std::string verb, std::string path) {
  std::optional<std::string> token = bearer_token(authorization);
  if (!token) co_return refuse(401, "Unauthorized");
  // Hash, verb and path: the token itself never becomes a key (a heap dump, a debugger).
  const std::string key =
      desired::to_hex(desired::sha256(*token)) + " " + verb + " " + path;
  if (auto decision = cached(key)) co_return *decision;
  AuthDecision decision = co_await review(std::move(*token), verb, path);
  if (decision.status != 503) remember(key, decision);
  co_return decision;
}

boost::asio::awaitable<AuthDecision> MetricsAuth::review(std::string token, std::string verb,
                                                         std::string path) {
  const TokenReviewResult who = co_await reviewer_->review_token(std::move(token));
  if (who.error) {
    kLog.warn("cannot authenticate a request: the API server did not review its token",
              {{"path", path}, {"error", *who.error}});
    co_return refuse(503, "Authentication failed: the API server could not be asked");
  }
  if (!who.authenticated) {
    kLog.debug("request not authenticated: the API server rejected its token", {{"path", path}});
    co_return refuse(401, "Unauthorized");
  }
  const std::string user = who.user.username;
  const AccessReviewResult access = co_await reviewer_->review_access(who.user, verb, path);
  if (access.error) {
    kLog.warn("cannot authorize a request: the API server did not review it",
              {{"user", user}, {"path", path}, {"error", *access.error}});
    co_return refuse(503, "Authorization for user " + user +
                              " failed: the API server could not be asked");
  }
  if (!access.allowed) {
    kLog.debug("request forbidden",
               {{"user", user}, {"verb", verb}, {"path", path}, {"reason", access.reason}});
    co_return refuse(403, "Authorization denied for user " + user);
  }
  co_return AuthDecision{};
}

std::optional<AuthDecision> MetricsAuth::cached(const std::string& key) {
  std::lock_guard lock(mu_);
  const auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  if (it->second.expires <= options_.clock->now()) {
    cache_.erase(it);
    return std::nullopt;
  }
  return it->second.decision;
}

void MetricsAuth::remember(const std::string& key, const AuthDecision& decision) {
  if (options_.max_entries == 0) return;
  const auto now = options_.clock->now();
  const auto ttl = decision.allowed() ? options_.allow_ttl : options_.deny_ttl;
  std::lock_guard lock(mu_);
  if (cache_.size() >= options_.max_entries && !cache_.contains(key)) {
    std::erase_if(cache_, [&](const auto& entry) { return entry.second.expires <= now; });
    // Still full: the entry nearest its end goes.
    while (cache_.size() >= options_.max_entries) {
      cache_.erase(std::min_element(cache_.begin(), cache_.end(), [](const auto& a, const auto& b) {
        return a.second.expires < b.second.expires;
      }));
    }
  }
  cache_[key] = Entry{decision, now + ttl};
}

std::size_t MetricsAuth::cache_size() const {
  std::lock_guard lock(mu_);
  return cache_.size();
}

}  // namespace steward::manager
