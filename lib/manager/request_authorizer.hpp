#pragma once
// RequestAuthorizer: what HttpServer asks before it answers a request on a server that has one
// (the metrics server with --metrics-secure; manager/metrics_auth.hpp decides through the API
// server). Apart from the server so that it can be faked in tests and the server need not know
// how the decision is made.

#include <boost/asio/awaitable.hpp>
#include <string>

namespace steward::manager {

struct AuthDecision {
  // 200 to serve the request; otherwise the status to answer with (401, 403, 503) and `message`
  // as its body.
  int status = 200;
  std::string message;
  bool allowed() const { return status == 200; }
};

class RequestAuthorizer {
 public:
  virtual ~RequestAuthorizer() = default;
  // `authorization`: the request's Authorization header ("" when absent); `verb`: "get" for GET
  // and HEAD, else the lower-case method; `path`: the request's path, without the query. Runs on
  // the server's I/O thread as a coroutine: it may wait on the network but must never block.
  // Arguments by value: the coroutine may outlive the caller's buffers.
  virtual boost::asio::awaitable<AuthDecision> authorize(std::string authorization,
                                                         std::string verb, std::string path) = 0;
};

}  // namespace steward::manager
