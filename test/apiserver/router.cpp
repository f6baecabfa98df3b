#include "router.hpp"

#include "api_error.hpp"
#include "discovery.hpp"

namespace steward::testapi {

namespace {

std::vector<StaticUser> with_admin(const std::string& token, std::vector<StaticUser> users) {
  // As scripts/kube-apiserver's admin line: token,admin,admin,"system:masters".
  users.insert(users.begin(), StaticUser{token, "admin", "admin", {"system:masters"}});
  return users;
}

}  // namespace

Router::Router(Api& api, Registry& registry, const Store& store, const OpenApi& openapi,
               Faults& faults, Stats& stats, std::string token, std::vector<StaticUser> users,
               ActionHandler on_actions)
    : api_(api),
      registry_(registry),
      store_(store),
      openapi_(openapi),
      faults_(faults),
      stats_(stats),
      token_(token),
      on_actions_(std::move(on_actions)),
      reviews_(store, with_admin(token, std::move(users))) {}

std::string Router::bearer(const Request& req) {
  const std::string prefix = "Bearer ";
  if (req.authorization.size() <= prefix.size()) return "";
  if (req.authorization.compare(0, prefix.size(), prefix) != 0) return "";
  return req.authorization.substr(prefix.size());
}

ApiReply Router::route(const Request& req) {
  ApiReply reply;
  try {
    reply = dispatch(req);
  } catch (const std::exception& e) {
    reply = error_response(internal_error(e.what()));
  }
  if (const auto* response = std::get_if<Response>(&reply)) writes_.record(req, response->status);
  return reply;
}

ApiReply Router::dispatch(const Request& req) {
  const std::string& path = req.path;
  if (path == "/healthz" || path == "/livez" || path == "/readyz") {
    Response r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "ok";
    return r;
  }
  const std::string token = bearer(req);
  if (token.empty() || !reviews_.user_of_token(token)) return error_response(unauthorized());
  if (token != token_) {
    ApiError e;
    e.code = 403;
    e.reason = "Forbidden";
    e.message = "forbidden: User \"" + reviews_.user_of_token(token)->name +
                "\" may only be reviewed on steward-testapi";
    return error_response(e);
  }

  if (path == "/_testapi/stats") return json_response(200, stats_.describe());
  if (path == "/_testapi/faults") {
    try {
      if (req.method == "POST" || req.method == "PUT") {
        json::Value body = req.body.empty() ? json::Value::object() : json::parse(req.body);
        Faults::Actions actions = faults_.configure(body);
        // Token rotation: from now on only the new token is accepted (steward must re-read its file).
        if (const json::Value* t = body.find("token"); t && t->is_string() && !t->as_string().empty()) {
          token_ = t->as_string();
          reviews_.set_admin_token(token_);
        }
        // Answer before restarting: the caller learns the fault took effect, then loses the link.
        Response r = json_response(200, faults_.describe());
        on_actions_(actions);
        return r;
      }
      return json_response(200, faults_.describe());
    } catch (const json::ParseError& e) {
      return error_response(bad_request(std::string("invalid fault configuration: ") + e.what()));
    } catch (const ApiError& e) {
      return error_response(e);
    }
  }

  if (path == "/_testapi/writes") return json_response(200, writes_.describe());

  if (path != "/version" && path != "/version/") {
    if (auto failure = faults_.draw_failure(req.method, path)) return error_response(*failure);
  }
  if (auto review = reviews_.handle(req)) return *review;
  if (auto d = discovery(registry_, path, server_address_)) {
    ++stats_.discovery_requests[path];
    return *d;
  }
  if (path == "/openapi/v2" && (req.method == "GET" || req.method == "HEAD")) return openapi_.serve(req, store_);
  if (auto reply = api_.handle(req)) {
    if (std::holds_alternative<WatchSpec>(*reply) && faults_.refusing_watches())
      return error_response(faults_.watch_refusal());
    return std::move(*reply);
  }
  return page_not_found();
}

}  // namespace steward::testapi
