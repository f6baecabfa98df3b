// MetricsAuth (the /metrics filter of --metrics-secure) with a fake AccessReviewer, and the
// HttpServer serving HTTPS behind it.
#include <catch2/catch.hpp>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.hpp"
#include "manager/http_server.hpp"
#include "manager/metrics_auth.hpp"
#include "manager/serving_tls.hpp"
#include "observe/log.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using steward::manager::AccessReviewer;
using steward::manager::AccessReviewResult;
using steward::manager::AuthDecision;
using steward::manager::MetricsAuth;
using steward::manager::MetricsAuthOptions;
using steward::manager::TokenReviewResult;
using steward::manager::UserInfo;

constexpr std::chrono::seconds kDeadline{10};
const std::string kGoodToken = "s3cret-prometheus-token";
const std::string kNobodyToken = "s3cret-nobody-token";

// The API server as the tests want it: kGoodToken is prometheus (allowed), kNobodyToken is nobody
// (authenticated, not allowed), anything else is rejected; `failing_*` makes a review fail.
struct FakeReviewer final : AccessReviewer {
  int token_reviews = 0;
  int access_reviews = 0;
  bool failing_token_review = false;
  bool failing_access_review = false;
  UserInfo last_user;
  std::string last_verb, last_path;

  asio::awaitable<TokenReviewResult> review_token(std::string token) override {
    ++token_reviews;
    TokenReviewResult result;
    if (failing_token_review) {
      result.error = "TokenReview: connection refused";
    } else if (token == kGoodToken) {
      result.authenticated = true;
      result.user = {"prometheus", "uid-1", {"monitoring", "system:authenticated"}, {{"scopes", {"a", "b"}}}};
    } else if (token == kNobodyToken) {
      result.authenticated = true;
      result.user = {"nobody", "uid-2", {"system:authenticated"}, {}};
    }
    co_return result;
  }
  asio::awaitable<AccessReviewResult> review_access(UserInfo user, std::string verb,
                                                    std::string path) override {
    ++access_reviews;
    last_user = user;
    last_verb = verb;
    last_path = path;
    AccessReviewResult result;
    if (failing_access_review) {
      result.error = "SubjectAccessReview: 500 InternalError";
    } else {
      result.allowed = user.username == "prometheus" && verb == "get" && path == "/metrics";
    }
    co_return result;
  }
};

template <class T>
T run(asio::awaitable<T> work) {
  asio::io_context io;
  auto result = asio::co_spawn(io, std::move(work), asio::use_future);
  io.run();
  return result.get();
}

struct Fixture {
  std::shared_ptr<FakeReviewer> reviewer = std::make_shared<FakeReviewer>();
  steward::base::FakeClock clock;
  MetricsAuth auth{reviewer, MetricsAuthOptions{.allow_ttl = std::chrono::seconds(10),
                                                .deny_ttl = std::chrono::seconds(2),
                                                .max_entries = 4,
                                                .clock = &clock}};
  AuthDecision get(const std::string& authorization, const std::string& path = "/metrics") {
    return run(auth.authorize(authorization, "get", path));
  }
};

}  // namespace

TEST_CASE("metrics auth: no bearer token answers 401 without asking the API server") {
  Fixture f;
  CHECK(f.get("").status == 401);
  CHECK(f.get("Basic dXNlcjpwYXNz").status == 401);
  CHECK(f.get("Bearer ").status == 401);
  CHECK(f.reviewer->token_reviews == 0);
}

TEST_CASE("metrics auth: a token the TokenReview rejects answers 401 and no access is reviewed") {
  Fixture f;
  const AuthDecision decision = f.get("Bearer made-up");
  CHECK(decision.status == 401);
  CHECK(decision.message == "Unauthorized");
  CHECK(f.reviewer->token_reviews == 1);
  CHECK(f.reviewer->access_reviews == 0);
}

TEST_CASE("metrics auth: an authenticated user the SubjectAccessReview denies answers 403") {
  Fixture f;
  const AuthDecision decision = f.get("Bearer " + kNobodyToken);
  CHECK(decision.status == 403);
  CHECK(decision.message == "Authorization denied for user nobody");
  CHECK(f.reviewer->access_reviews == 1);
}

TEST_CASE("metrics auth: an allowed user is served, the review carrying the whole identity") {
  Fixture f;
  CHECK(f.get("bearer " + kGoodToken).allowed());  // the scheme in any case, as the API server
  CHECK(f.reviewer->last_user.username == "prometheus");
  CHECK(f.reviewer->last_user.uid == "uid-1");
  CHECK(f.reviewer->last_user.groups ==
        std::vector<std::string>{"monitoring", "system:authenticated"});
  CHECK(f.reviewer->last_user.extra.at("scopes") == std::vector<std::string>{"a", "b"});
  CHECK(f.reviewer->last_verb == "get");
  CHECK(f.reviewer->last_path == "/metrics");
  // Another path is another question.
  CHECK(f.get("Bearer " + kGoodToken, "/other").status == 403);
}

TEST_CASE("metrics auth: a review that cannot be made answers 503, never 200, and is not cached") {
  Fixture f;
  f.reviewer->failing_token_review = true;
  CHECK(f.get("Bearer " + kGoodToken).status == 503);
  CHECK(f.get("Bearer " + kGoodToken).status == 503);
  CHECK(f.reviewer->token_reviews == 2);
  f.reviewer->failing_token_review = false;
  f.reviewer->failing_access_review = true;
  CHECK(f.get("Bearer " + kGoodToken).status == 503);
  CHECK(f.auth.cache_size() == 0);
  f.reviewer->failing_access_review = false;
  CHECK(f.get("Bearer " + kGoodToken).allowed());
}

TEST_CASE("metrics auth: allowed decisions are cached for allow_ttl, refusals for deny_ttl") {
  Fixture f;
  CHECK(f.get("Bearer " + kGoodToken).allowed());
  CHECK(f.get("Bearer " + kNobodyToken).status == 403);
  CHECK(f.get("Bearer made-up").status == 401);
  CHECK(f.reviewer->token_reviews == 3);
  f.clock.advance(std::chrono::milliseconds(1999));
  CHECK(f.get("Bearer " + kGoodToken).allowed());
  CHECK(f.get("Bearer " + kNobodyToken).status == 403);
  CHECK(f.get("Bearer made-up").status == 401);
  CHECK(f.reviewer->token_reviews == 3);
  f.clock.advance(std::chrono::milliseconds(1));  // the refusals' end
  CHECK(f.get("Bearer " + kNobodyToken).status == 403);
  CHECK(f.get("Bearer made-up").status == 401);
  CHECK(f.reviewer->token_reviews == 5);
  f.clock.advance(std::chrono::seconds(8));  // the allowance's end
  CHECK(f.get("Bearer " + kGoodToken).allowed());
  CHECK(f.reviewer->token_reviews == 6);
}

TEST_CASE("metrics auth: the cache never holds more than max_entries") {
  Fixture f;
  CHECK(f.get("Bearer " + kGoodToken).allowed());
  for (int i = 0; i < 20; ++i) CHECK(f.get("Bearer made-up-" + std::to_string(i)).status == 401);
  CHECK(f.auth.cache_size() == 4);
  // The allowed entry lasts longest, so the made-up ones went first.
  const int reviews = f.reviewer->token_reviews;
  CHECK(f.get("Bearer " + kGoodToken).allowed());
  CHECK(f.reviewer->token_reviews == reviews);
}

TEST_CASE("metrics auth: no token ever reaches the log, at any level") {
  std::FILE* out = std::tmpfile();
  REQUIRE(out != nullptr);
  steward::observe::set_log_output(out);
  steward::observe::set_log_level(steward::observe::LogLevel::kDebug);
  {
    Fixture f;
    f.get("Bearer " + kGoodToken);
    f.get("Bearer " + kNobodyToken);
    f.get("Bearer made-up-token-value");
    f.reviewer->failing_token_review = true;
    f.clock.advance(std::chrono::minutes(1));
    f.get("Bearer " + kNobodyToken);
    f.reviewer->failing_token_review = false;
    f.reviewer->failing_access_review = true;
    f.get("Bearer " + kGoodToken);
  }
  steward::observe::set_log_output(stdout);
  steward::observe::set_log_level(steward::observe::LogLevel::kInfo);
  std::fflush(out);
  std::rewind(out);
  std::string logged;
  for (int c; (c = std::fgetc(out)) != EOF;) logged.push_back(static_cast<char>(c));
  std::fclose(out);
  // The log says what happened...
  CHECK(logged.find("request forbidden") != std::string::npos);
  CHECK(logged.find("did not review its token") != std::string::npos);
  CHECK(logged.find("\"user\":\"prometheus\"") != std::string::npos);
  // ...and never with whose token.
  CHECK(logged.find(kGoodToken) == std::string::npos);
  CHECK(logged.find(kNobodyToken) == std::string::npos);
  CHECK(logged.find("made-up-token-value") == std::string::npos);
}

// ---- the server ---------------------------------------------------------------------------------

namespace {

using steward::manager::HttpServer;
using steward::manager::HttpServerOptions;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// A RequestAuthorizer that says what it was asked and allows the token "let-me-in" only.
struct RecordingAuthorizer final : steward::manager::RequestAuthorizer {
  std::vector<std::string> asked;  // "verb path authorization"
  asio::awaitable<AuthDecision> authorize(std::string authorization, std::string verb,
                                          std::string path) override {
    asked.push_back(verb + " " + path + " " + authorization);
    if (authorization == "Bearer let-me-in") co_return AuthDecision{};
    co_return AuthDecision{authorization.empty() ? 401 : 403, "no"};
  }
};

struct SecureServer {
  prometheus::Registry registry;
  std::shared_ptr<RecordingAuthorizer> authorizer = std::make_shared<RecordingAuthorizer>();
  asio::io_context io;
  std::optional<HttpServer> server;
  std::thread thread;

  explicit SecureServer(std::chrono::milliseconds read_timeout = std::chrono::seconds(10)) {
    prometheus::BuildCounter().Name("scrapes_seen_total").Help("x").Register(registry).Add({}).Increment();
    server.emplace(io, HttpServerOptions{.bind_address = "127.0.0.1:0",
                                         .registry = &registry,
                                         .read_timeout = read_timeout,
                                         .tls = steward::manager::serving_tls_context({}),
                                         .authorizer = authorizer});
    server->start();
    thread = std::thread([this] { io.run(); });
  }
  ~SecureServer() {
    server->stop();
    thread.join();
  }
};

struct Answer {
  unsigned status = 0;
  std::string body;
  boost::system::error_code error;  // where the exchange failed, if it did
};

// One HTTPS request on a fresh connection, the certificate not verified (it is self-signed).
Answer https(std::uint16_t port, http::verb method, const std::string& target,
             const std::string& authorization) {
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  auto exchange = [&]() -> asio::awaitable<Answer> {
    Answer answer;
    beast::ssl_stream<beast::tcp_stream> stream(io, tls);
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(kDeadline);
    auto [connect_ec] = co_await lowest.async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), kTuple);
    auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kTuple);
    if ((answer.error = connect_ec ? connect_ec : handshake_ec)) co_return answer;
    http::request<http::empty_body> request(method, target, 11);
    request.set(http::field::host, "127.0.0.1");
    if (!authorization.empty()) request.set(http::field::authorization, authorization);
    auto [write_ec, written] = co_await http::async_write(stream, request, kTuple);
    http::response_parser<http::string_body> parser;
    parser.skip(method == http::verb::head);
    beast::flat_buffer buffer;
    auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, kTuple);
    if ((answer.error = write_ec ? write_ec : read_ec)) co_return answer;
    answer.status = parser.get().result_int();
    answer.body = parser.get().body();
    co_return answer;
  };
  auto result = asio::co_spawn(io, exchange(), asio::use_future);
  io.run();
  return result.get();
}

}  // namespace

TEST_CASE("secure server: HTTPS answers 200 with metrics to the allowed, the refusal to the rest") {
  SecureServer s;
  const auto port = s.server->port();
  Answer answer = https(port, http::verb::get, "/metrics", "Bearer let-me-in");
  REQUIRE_FALSE(answer.error);
  CHECK(answer.status == 200);
  CHECK(answer.body.find("scrapes_seen_total 1") != std::string::npos);
  answer = https(port, http::verb::get, "/metrics", "");
  CHECK(answer.status == 401);
  CHECK(answer.body == "no\n");
  answer = https(port, http::verb::get, "/metrics?x=1", "Bearer wrong");
  CHECK(answer.status == 403);
  CHECK(answer.body.find("scrapes_seen_total") == std::string::npos);
  // Every request is put to the authorizer, before anything else is decided: HEAD as get, any
  // method, any path (a 404 or 405 only for the allowed), the query left out.
  CHECK(https(port, http::verb::head, "/metrics", "Bearer let-me-in").status == 200);
  CHECK(https(port, http::verb::post, "/metrics", "").status == 401);
  CHECK(https(port, http::verb::get, "/nothing", "").status == 401);
  CHECK(https(port, http::verb::get, "/nothing", "Bearer let-me-in").status == 404);
  CHECK(s.authorizer->asked ==
        std::vector<std::string>{"get /metrics Bearer let-me-in", "get /metrics ",
                                 "get /metrics Bearer wrong", "get /metrics Bearer let-me-in",
                                 "post /metrics ", "get /nothing ", "get /nothing Bearer let-me-in"});
}

TEST_CASE("secure server: plain HTTP is not served, and a silent client is closed at the read deadline") {
  SecureServer s(std::chrono::milliseconds(200));
  asio::io_context io;
  auto attempt = [&]() -> asio::awaitable<std::pair<boost::system::error_code, std::string>> {
    beast::tcp_stream stream(io);
    stream.expires_after(kDeadline);
    co_await stream.async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.server->port()), kTuple);
    // Connected, no handshake: the server must close it once the read deadline passes (before
    // ours), not wait for ever.
    std::array<char, 512> sink{};
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
    co_return std::pair{ec, std::string(sink.data(), n)};
  };
  auto silent = asio::co_spawn(io, attempt(), asio::use_future);
  io.run();
  const auto [ec, got] = silent.get();
  CHECK((ec == asio::error::eof || ec == asio::error::connection_reset));
  CHECK(got.empty());
  // A plain HTTP request is a failed handshake: no HTTP answer, the connection closed.
  auto plain = [&]() -> asio::awaitable<std::string> {
    beast::tcp_stream stream(io);
    stream.expires_after(kDeadline);
    co_await stream.async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.server->port()), kTuple);
    const std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    co_await asio::async_write(stream, asio::buffer(request), kTuple);
    std::string got;
    std::array<char, 512> sink{};
    for (;;) {
      auto [read_ec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
      got.append(sink.data(), n);
      if (read_ec) break;
    }
    co_return got;
  };
  auto answered = asio::co_spawn(io, plain(), asio::use_future);
  io.restart();
  io.run();
  CHECK(answered.get().find("HTTP/1.1") == std::string::npos);
  CHECK(s.authorizer->asked.empty());
}
