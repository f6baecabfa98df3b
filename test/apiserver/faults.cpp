#include "faults.hpp"

namespace steward::testapi {

namespace {
ApiError failure(int code, int retry_after) {
  ApiError e;
  e.code = code;
  e.has_details = true;
  switch (code) {
    case 429:
      e.reason = "TooManyRequests";
      e.message = "Too many requests, please try again later.";
      e.retry_after_seconds = retry_after;
      break;
    case 503:
      e.reason = "ServiceUnavailable";
      e.message = "the server is currently unable to handle the request";
      e.retry_after_seconds = retry_after;
      break;
    case 403:
      // The real answer names the user and the verb; these tests only need the code and reason.
      e.reason = "Forbidden";
      e.message = "forbidden: injected fault";
      break;
    case 422:
      e.reason = "Invalid";
      e.message = "invalid: injected fault";
      break;
    case 504:
      e.reason = "Timeout";
      e.message = "the server was unable to return a response in the time allotted, but may still be processing the request";
      break;
    default:
      e.code = 500;
      e.reason = "InternalError";
      e.message = "Internal error occurred: injected fault";
      e.causes.push_back({"", "injected fault", ""});
      break;
  }
  return e;
}

bool get_number(const json::Value& body, const char* key, double& out) {
  const json::Value* v = body.find(key);
  if (!v) return false;
  if (!v->is_number()) throw bad_request(std::string("fault field ") + key + " must be a number");
  out = v->as_double();
  return true;
}
}  // namespace

Faults::Actions Faults::configure(const json::Value& body) {
  if (!body.is_object()) {
    ApiError e;
    e.code = 400;
    e.reason = "BadRequest";
    e.message = "fault configuration must be a JSON object";
    throw e;
  }
  Actions actions;
  if (const json::Value* r = body.find("reset"); r && r->is_bool() && r->as_bool()) {
    error_rate_ = 0;
    error_codes_ = {503};
    retry_after_seconds_ = 1;
    latency_ = std::chrono::milliseconds(0);
    refuse_watches_until_ = {};
    targeted_.clear();
    dropped_events_.clear();
  }
  double n;
  if (get_number(body, "seed", n)) rng_.seed(static_cast<std::uint64_t>(n));
  if (get_number(body, "errorRate", n)) error_rate_ = n;
  if (get_number(body, "errorCode", n)) error_codes_ = {static_cast<int>(n)};
  if (const json::Value* codes = body.find("errorCodes"); codes && codes->is_array() && !codes->as_array().empty()) {
    error_codes_.clear();
    for (const auto& c : codes->as_array())
      if (c.is_number()) error_codes_.push_back(static_cast<int>(c.as_double()));
  }
  if (get_number(body, "retryAfterSeconds", n)) retry_after_seconds_ = static_cast<int>(n);
  if (get_number(body, "latencyMs", n)) latency_ = std::chrono::milliseconds(static_cast<long>(n));
  if (get_number(body, "refuseWatchesSeconds", n))
    refuse_watches_until_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(n * 1000));
  if (const json::Value* rules = body.find("failRequests")) {
    if (!rules->is_array()) throw bad_request("fault field failRequests must be an array");
    for (const auto& rule : rules->as_array()) {
      TargetedFailure t;
      t.method = rule.str("method");
      t.path = rule.str("path");
      if (t.path.empty()) throw bad_request("a failRequests rule needs a path");
      if (get_number(rule, "code", n)) t.code = static_cast<int>(n);
      if (get_number(rule, "count", n)) t.remaining = static_cast<long>(n);
      targeted_.push_back(std::move(t));
    }
  }
  if (const json::Value* rules = body.find("dropWatchEvents")) {
    if (!rules->is_array()) throw bad_request("fault field dropWatchEvents must be an array");
    for (const auto& rule : rules->as_array()) {
      DroppedEvents d;
      d.path = rule.str("path");
      if (d.path.empty()) throw bad_request("a dropWatchEvents rule needs a path");
      if (get_number(rule, "count", n)) d.remaining = static_cast<long>(n);
      dropped_events_.push_back(std::move(d));
    }
  }
  auto flag = [&](const char* key) {
    const json::Value* v = body.find(key);
    return v && v->is_bool() && v->as_bool();
  };
  actions.close_watches = flag("closeWatches");
  actions.compact = flag("compact");
  actions.expire_watch_history = flag("expireWatchHistory");
  actions.compactor_tick = flag("compactorTick");
  actions.restart = flag("restart");
  return actions;
}

json::Value Faults::describe() const {
  json::Value d = json::Value::object();
  d["errorRate"] = error_rate_;
  json::Value codes = json::Value::array();
  for (int c : error_codes_) codes.as_array().push_back(c);
  d["errorCodes"] = std::move(codes);
  d["retryAfterSeconds"] = retry_after_seconds_;
  d["latencyMs"] = static_cast<std::int64_t>(latency_.count());
  d["refusingWatches"] = refusing_watches();
  json::Value rules = json::Value::array();
  for (const auto& t : targeted_) {
    json::Value r = json::Value::object();
    if (!t.method.empty()) r["method"] = t.method;
    r["path"] = t.path;
    r["code"] = t.code;
    if (t.remaining >= 0) r["remaining"] = static_cast<std::int64_t>(t.remaining);
    rules.as_array().push_back(std::move(r));
  }
  d["failRequests"] = std::move(rules);
  json::Value drops = json::Value::array();
  for (const auto& e : dropped_events_) {
    json::Value r = json::Value::object();
    r["path"] = e.path;
    if (e.remaining >= 0) r["remaining"] = static_cast<std::int64_t>(e.remaining);
    drops.as_array().push_back(std::move(r));
  }
  d["dropWatchEvents"] = std::move(drops);
  return d;
}

std::optional<ApiError> Faults::draw_failure(const std::string& method, const std::string& path) {
  for (auto& t : targeted_) {
    if (t.remaining == 0 || t.path != path || (!t.method.empty() && t.method != method)) continue;
    if (t.remaining > 0) --t.remaining;
    return failure(t.code, retry_after_seconds_);
  }
  if (error_rate_ <= 0) return std::nullopt;
  double x = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  if (x >= error_rate_) return std::nullopt;
  int code = error_codes_[rng_() % error_codes_.size()];
  return failure(code, retry_after_seconds_);
}

bool Faults::drop_watch_event(const std::string& path) {
  for (auto& e : dropped_events_) {
    if (e.remaining == 0 || e.path != path) continue;
    if (e.remaining > 0) --e.remaining;
    return true;
  }
  return false;
}

ApiError Faults::watch_refusal() const { return failure(429, retry_after_seconds_); }

}  // namespace steward::testapi
