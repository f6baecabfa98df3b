// Where a request goes: authentication first (every path but the health probes), then the admin
// endpoints (faults, the write log, stats), injected faults, the reviews (reviews.hpp),
// discovery, /openapi/v2, and the resource API. Only the admin token (--token) may do anything;
// the tokens of the other static users (--user) are known to TokenReview and answered 403
// everywhere (a real server would let RBAC decide; the tests only need them reviewed).
// Every write request is recorded in the write log with the code it was answered with.
// Transport-free.
#pragma once

#include "api.hpp"
#include "faults.hpp"
#include "http_types.hpp"
#include "openapi.hpp"
#include "registry.hpp"
#include "reviews.hpp"
#include "stats.hpp"
#include "write_log.hpp"

#include <functional>
#include <string>

namespace steward::testapi {

class Router {
 public:
  using ActionHandler = std::function<void(const Faults::Actions&)>;

  // `users`: the static users besides the admin, whose token is `token`.
  Router(Api& api, Registry& registry, const Store& store, const OpenApi& openapi, Faults& faults,
         Stats& stats, std::string token, std::vector<StaticUser> users, ActionHandler on_actions);

  void set_server_address(std::string address) { server_address_ = std::move(address); }
  ApiReply route(const Request& req);
  WriteLog& write_log() { return writes_; }

 private:
  ApiReply dispatch(const Request& req);
  // The bearer token of the request, or "".
  static std::string bearer(const Request& req);

  Api& api_;
  Registry& registry_;
  const Store& store_;
  const OpenApi& openapi_;
  Faults& faults_;
  Stats& stats_;
  std::string token_;
  std::string server_address_;
  ActionHandler on_actions_;
  WriteLog writes_;
  Reviews reviews_;
};

}  // namespace steward::testapi
