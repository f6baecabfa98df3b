#include <catch2/catch.hpp>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <rapidjson/document.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "manager/http_server.hpp"
#include "manager/slow_clients.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using steward::manager::HealthCheck;
using steward::manager::HttpServer;
using steward::manager::HttpServerOptions;

// A generous bound on every client operation: a broken server fails a test rather than hanging it.
constexpr std::chrono::seconds kDeadline{10};

// A server on a free port of 127.0.0.1 whose io_context runs on a thread of its own, as in the
// daemon. There is no work guard: once the server has stopped, run() returns and the thread ends.
struct RunningServer {
  asio::io_context io;
  HttpServer server;
  std::thread thread;

  explicit RunningServer(HttpServerOptions options) : server(io, local(std::move(options))) {
    server.start();
    thread = std::thread([this] { io.run(); });
  }
  ~RunningServer() {
    server.stop();
    thread.join();
  }
  static HttpServerOptions local(HttpServerOptions options) {
    options.bind_address = "127.0.0.1:0";
    return options;
  }
};

struct Answer {
  unsigned status = 0;
  std::string content_type;
  std::string allow;
  std::string content_length;
  std::string body;
  bool keep_alive = false;
};

// A blocking HTTP/1.1 client on one connection. Operations run on the client's own io_context so
// that each has a deadline (a plain blocking socket would wait forever).
class Client {
 public:
  explicit Client(std::uint16_t port) : stream_(io_) {
    const tcp::endpoint server(asio::ip::make_address("127.0.0.1"), port);
    stream_.expires_after(kDeadline);
    const auto ec = run([&](auto done) { stream_.async_connect(server, done); });
    REQUIRE_FALSE(ec);
  }

  Answer request(http::verb method, const std::string& target) {
    http::request<http::string_body> message(method, target, 11);
    message.set(http::field::host, "127.0.0.1");
    message.keep_alive(true);
    send(message);
    return read(method == http::verb::head);
  }
  Answer get(const std::string& target) { return request(http::verb::get, target); }

  template <typename Message>
  void send(Message& message) {
    message.prepare_payload();
    stream_.expires_after(kDeadline);
    const auto ec = run([&](auto done) { http::async_write(stream_, message, done); });
    REQUIRE_FALSE(ec);
  }

  void send_raw(const std::string& bytes) {
    stream_.expires_after(kDeadline);
    const auto ec = run([&](auto done) { asio::async_write(stream_, asio::buffer(bytes), done); });
    REQUIRE_FALSE(ec);
  }

  Answer read(bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.skip(head);
    stream_.expires_after(kDeadline);
    const auto ec = run([&](auto done) { http::async_read(stream_, buffer_, parser, done); });
    REQUIRE_FALSE(ec);
    const auto& message = parser.get();
    Answer answer;
    answer.status = message.result_int();
    answer.content_type = std::string(message[http::field::content_type]);
    answer.allow = std::string(message[http::field::allow]);
    answer.content_length = std::string(message[http::field::content_length]);
    answer.body = message.body();
    answer.keep_alive = message.keep_alive();
    return answer;
  }

  // Waits for the server to close the connection; true when it did (rather than sending bytes or
  // letting the deadline pass).
  bool closed_by_server() {
    std::array<char, 256> sink{};
    std::size_t got = 0;
    stream_.expires_after(kDeadline);
    const auto ec = run([&](auto done) {
      stream_.async_read_some(asio::buffer(sink), [&got, done](auto e, std::size_t n) mutable {
        got = n;
        done(e, n);
      });
    });
    return got == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
  }

  std::size_t available() { return stream_.socket().available(); }
  void close() { stream_.close(); }

 private:
  template <typename Start>
  boost::system::error_code run(Start start) {
    boost::system::error_code result;
    start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
    io_.restart();
    io_.run();
    return result;
  }

  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

Answer get(std::uint16_t port, const std::string& target) { return Client(port).get(target); }

HealthCheck passing(std::string name) {
  return HealthCheck{std::move(name), [] { return std::optional<std::string>(); }};
}

HealthCheck failing(std::string name, std::string reason) {
  return HealthCheck{std::move(name), [reason] { return std::optional<std::string>(reason); }};
}

HttpServerOptions probes(std::vector<HealthCheck> healthz, std::vector<HealthCheck> readyz) {
  HttpServerOptions options;
  options.healthz = std::move(healthz);
  options.readyz = std::move(readyz);
  return options;
}

}  // namespace

TEST_CASE("/metrics answers the registry in the Prometheus text format") {
  prometheus::Registry registry;
  auto& events = prometheus::BuildCounter()
                     .Name("steward_test_events_total")
                     .Help("Events seen by the test.")
                     .Register(registry)
                     .Add({{"kind", "ConfigMap"}});
  events.Increment(3);
  std::atomic<int> refreshes{0};
  HttpServerOptions options;
  options.registry = &registry;
  options.before_scrape = [&refreshes] { ++refreshes; };
  RunningServer running(std::move(options));

  const Answer answer = get(running.server.port(), "/metrics");
  CHECK(answer.status == 200);
  CHECK(answer.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK_THAT(answer.body, Catch::Contains("# TYPE steward_test_events_total counter"));
  CHECK_THAT(answer.body, Catch::Contains("steward_test_events_total{kind=\"ConfigMap\"} 3"));
  CHECK(refreshes == 1);
}

TEST_CASE("/healthz answers 200 ok when every check passes") {
  RunningServer running(probes({passing("ping"), passing("loop")}, {}));
  const Answer answer = get(running.server.port(), "/healthz");
  CHECK(answer.status == 200);
  CHECK(answer.content_type == "text/plain; charset=utf-8");
  CHECK(answer.body == "ok");
  CHECK(get(running.server.port(), "/readyz").body == "ok");
}

TEST_CASE("a failing readyz check answers 503 with its name and reason") {
  RunningServer running(probes(
      {passing("ping")}, {passing("leader"), failing("informers", "not synced: Deployment")}));
  const Answer ready = get(running.server.port(), "/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.body == "[-]informers failed: not synced: Deployment\nreadyz check failed\n");
  CHECK(get(running.server.port(), "/healthz").status == 200);
}

TEST_CASE("a check that throws counts as failing with the exception's message") {
  const HealthCheck throwing{
      "loop", []() -> std::optional<std::string> { throw std::runtime_error("boom"); }};
  RunningServer running(probes({throwing}, {}));
  const Answer answer = get(running.server.port(), "/healthz");
  CHECK(answer.status == 503);
  CHECK_THAT(answer.body, Catch::Contains("[-]loop failed: check threw: boom"));
}

TEST_CASE("?verbose answers JSON listing every check, the built-in shutdown check included") {
  RunningServer running(
      probes({passing("ping")}, {passing("leader"), failing("informers", "not \"synced\"")}));
  const Answer answer = get(running.server.port(), "/readyz?verbose");
  CHECK(answer.status == 503);
  CHECK(answer.content_type == "application/json");
  rapidjson::Document doc;
  doc.Parse(answer.body.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["status"].GetString()) == "failed");
  const auto& checks = doc["checks"];
  REQUIRE(checks.Size() == 3);
  CHECK(std::string(checks[0]["name"].GetString()) == "leader");
  CHECK(checks[0]["ok"].GetBool());
  CHECK_FALSE(checks[0].HasMember("reason"));
  CHECK(std::string(checks[1]["name"].GetString()) == "informers");
  CHECK_FALSE(checks[1]["ok"].GetBool());
  CHECK(std::string(checks[1]["reason"].GetString()) == "not \"synced\"");
  CHECK(std::string(checks[2]["name"].GetString()) == "shutdown");
  CHECK(checks[2]["ok"].GetBool());

  const Answer healthy = get(running.server.port(), "/healthz?foo=1&verbose=true");
  CHECK(healthy.status == 200);
  rapidjson::Document health;
  health.Parse(healthy.body.c_str());
  REQUIRE_FALSE(health.HasParseError());
  CHECK(std::string(health["status"].GetString()) == "ok");
  CHECK(health["checks"].Size() == 1);
}

TEST_CASE("a passing check's detail shows under ?verbose and fails nothing, a failing one's is not asked") {
  std::atomic<int> asked{0};
  HealthCheck warned = passing("desired-state");
  warned.detail = [] { return std::optional<std::string>("source a: last load failed"); };
  HealthCheck broken = failing("informers", "not synced");
  broken.detail = [&asked] {
    ++asked;
    return std::optional<std::string>("never shown");
  };
  RunningServer running(probes({warned}, {warned, broken}));
  const Answer healthy = get(running.server.port(), "/healthz");
  CHECK(healthy.status == 200);
  CHECK(healthy.body == "ok");
  const Answer verbose = get(running.server.port(), "/readyz?verbose");
  CHECK(verbose.status == 503);
  rapidjson::Document doc;
  doc.Parse(verbose.body.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  const auto& checks = doc["checks"];
  REQUIRE(checks.Size() == 3);
  CHECK(checks[0]["ok"].GetBool());
  CHECK(std::string(checks[0]["detail"].GetString()) == "source a: last load failed");
  CHECK_FALSE(checks[1]["ok"].GetBool());
  CHECK_FALSE(checks[1].HasMember("detail"));
  CHECK_FALSE(checks[2].HasMember("detail"));  // shutdown
  CHECK(asked == 0);
}

TEST_CASE("after set_shutting_down /readyz answers 503 and /healthz still 200") {
  RunningServer running(probes({passing("ping")}, {passing("leader")}));
  CHECK(get(running.server.port(), "/readyz").status == 200);
  running.server.set_shutting_down();
  const Answer ready = get(running.server.port(), "/readyz");
  CHECK(ready.status == 503);
  CHECK_THAT(ready.body, Catch::Contains("[-]shutdown failed: "));
  const Answer healthy = get(running.server.port(), "/healthz");
  CHECK(healthy.status == 200);
  CHECK(healthy.body == "ok");
}

TEST_CASE("unknown paths and paths the server is not configured for answer 404") {
  prometheus::Registry registry;
  HttpServerOptions metrics_only;
  metrics_only.registry = &registry;
  RunningServer metrics(std::move(metrics_only));
  CHECK(get(metrics.server.port(), "/healthz").status == 404);
  CHECK(get(metrics.server.port(), "/readyz").status == 404);
  CHECK(get(metrics.server.port(), "/").status == 404);

  RunningServer probe(probes({passing("ping")}, {}));
  CHECK(get(probe.server.port(), "/metrics").status == 404);
  CHECK(get(probe.server.port(), "/healthz/ping").status == 404);
  CHECK(get(probe.server.port(), "/healthzz").status == 404);
}

TEST_CASE("methods other than GET and HEAD answer 405, and HEAD answers the headers only") {
  RunningServer running(probes({passing("ping")}, {}));
  Client client(running.server.port());
  const Answer post = client.request(http::verb::post, "/healthz");
  CHECK(post.status == 405);
  CHECK(post.allow == "GET, HEAD");
  CHECK(post.keep_alive);  // no body was sent, so the connection stays usable
  const Answer head = client.request(http::verb::head, "/healthz");
  CHECK(head.status == 200);
  CHECK(head.content_length == "2");
  CHECK(head.body.empty());
  CHECK(client.get("/healthz").body == "ok");
}

TEST_CASE("a request with a body answers 413, or 405 when not a GET, and closes the connection") {
  RunningServer running(probes({passing("ping")}, {}));
  {
    Client client(running.server.port());
    http::request<http::string_body> message(http::verb::get, "/healthz", 11);
    message.body() = "hello";
    client.send(message);
    const Answer answer = client.read();
    CHECK(answer.status == 413);
    CHECK_FALSE(answer.keep_alive);
    CHECK(client.closed_by_server());
  }
  Client client(running.server.port());
  http::request<http::string_body> message(http::verb::post, "/healthz", 11);
  message.body() = std::string(100'000, 'x');
  client.send(message);
  CHECK(client.read().status == 405);
  CHECK(client.closed_by_server());
}

TEST_CASE("a request header over the limit answers 431") {
  HttpServerOptions options = probes({passing("ping")}, {});
  options.max_header_bytes = 1024;
  RunningServer running(std::move(options));
  Client client(running.server.port());
  client.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'a') +
                  "\r\n\r\n");
  CHECK(client.read().status == 431);
  CHECK(client.closed_by_server());
}

TEST_CASE("malformed requests answer 400") {
  RunningServer running(probes({passing("ping")}, {}));
  Client client(running.server.port());
  client.send_raw("GET /healthz HTTP/9.9\r\n\r\n");
  CHECK(client.read().status == 400);
}

TEST_CASE("keep-alive serves several requests, pipelined ones too, on one connection") {
  prometheus::Registry registry;
  HttpServerOptions options = probes({passing("ping")}, {passing("leader")});
  options.registry = &registry;  // one server may serve all three paths
  RunningServer running(std::move(options));
  Client client(running.server.port());
  for (int i = 0; i < 3; ++i) {
    const Answer answer = client.get("/healthz");
    CHECK(answer.status == 200);
    CHECK(answer.keep_alive);
  }
  client.send_raw(
      "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(client.read().body == "ok");
  CHECK(client.read().status == 200);
}

TEST_CASE("an idle connection is closed when the read deadline passes") {
  HttpServerOptions options = probes({passing("ping")}, {});
  options.read_timeout = std::chrono::milliseconds(100);
  RunningServer running(std::move(options));
  Client client(running.server.port());
  CHECK(client.get("/healthz").status == 200);
  CHECK(client.closed_by_server());
}

TEST_CASE("at the cap a new connection takes the slot of the one waiting longest for a header") {
  HttpServerOptions options = probes({passing("ping")}, {});
  options.max_connections = 2;
  RunningServer running(std::move(options));
  Client slow(running.server.port());
  slow.send_raw("GET /healthz HTTP/1.1\r\nHo");  // and nothing more
  Client kept_alive(running.server.port());
  CHECK(kept_alive.get("/healthz").status == 200);  // waits for its next request from now on

  Client third(running.server.port());
  CHECK(third.get("/healthz").body == "ok");
  CHECK(slow.closed_by_server());
  CHECK(kept_alive.get("/healthz").body == "ok");  // it had waited less long: still open
}

TEST_CASE("64 connections dribbling a header, or silent, do not keep /healthz out") {
  // The defaults: a cap of 64 and a 10 s header deadline, so only eviction lets a probe in fast.
  RunningServer running(probes({passing("ping")}, {}));
  const steward::test::SlowClients flood(running.server.port(), 64);
  for (int probe = 0; probe < 3; ++probe) {  // the flood reconnects what is evicted
    const auto start = std::chrono::steady_clock::now();
    const unsigned status = steward::test::get_status(running.server.port(), "/healthz", kDeadline);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(status == 200);
    CHECK(elapsed < std::chrono::seconds(1));
  }
}

TEST_CASE("on_slow_close tells evictions and header timeouts from routine closes") {
  // What on_slow_close reported. A client may see its connection closed before the server's
  // coroutine has resumed to report it (a deadline closes the socket first), hence the wait.
  struct Recorded {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<HttpServerOptions::SlowClose> closes;
    std::vector<HttpServerOptions::SlowClose> take(std::size_t count) {
      std::unique_lock lock(mu);
      cv.wait_for(lock, kDeadline, [&] { return closes.size() >= count; });
      return std::exchange(closes, {});
    }
  } recorded;
  HttpServerOptions options = probes({passing("ping")}, {});
  options.on_slow_close = [&recorded](HttpServerOptions::SlowClose why) {
    std::lock_guard lock(recorded.mu);
    recorded.closes.push_back(why);
    recorded.cv.notify_all();
  };
  {
    HttpServerOptions short_deadline = options;
    short_deadline.read_timeout = std::chrono::milliseconds(200);
    RunningServer running(std::move(short_deadline));
    Client idle(running.server.port());
    CHECK(idle.get("/healthz").status == 200);
    CHECK(idle.closed_by_server());  // past the deadline with nothing sent: routine
    // The start of a second request comes with the first, so it is in when the deadline starts.
    Client dribbler(running.server.port());
    dribbler.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /hea");
    CHECK(dribbler.read().status == 200);
    CHECK(dribbler.closed_by_server());  // past the deadline partway through a header
    // Reports come in order on the server's strand: had the idle close been counted, it would
    // be first.
    CHECK(recorded.take(1) == std::vector{HttpServerOptions::SlowClose::kHeaderTimeout});
  }
  options.max_connections = 1;  // and the default 10 s deadline
  RunningServer running(std::move(options));
  Client silent(running.server.port());
  silent.send_raw("G");
  Client probe(running.server.port());
  CHECK(probe.get("/healthz").status == 200);
  CHECK(silent.closed_by_server());
  CHECK(recorded.take(1) == std::vector{HttpServerOptions::SlowClose::kEvicted});
}

TEST_CASE("listening on a port already in use throws naming the address") {
  RunningServer running(probes({passing("ping")}, {}));
  const std::string address = "127.0.0.1:" + std::to_string(running.server.port());
  asio::io_context io;
  HttpServerOptions options = probes({passing("ping")}, {});
  options.bind_address = address;
  HttpServer second(io, std::move(options));
  try {
    second.start();
    FAIL("start() did not throw");
  } catch (const std::system_error& e) {
    CHECK_THAT(e.what(), Catch::Contains(address));
    CHECK(e.code() == std::errc::address_in_use);
  }
}

TEST_CASE("a malformed bind address is rejected and 0 disables the server") {
  asio::io_context io;
  for (const char* address : {"8080", "127.0.0.1:http", "::1:8080", "127.0.0.1:70000"}) {
    HttpServerOptions options;
    options.bind_address = address;
    HttpServer server(io, std::move(options));
    CHECK_THROWS_AS(server.start(), std::invalid_argument);
  }
  asio::io_context unused;
  HttpServerOptions options;
  options.bind_address = "0";
  HttpServer disabled(unused, std::move(options));
  disabled.start();
  CHECK(disabled.port() == 0);
  CHECK(unused.poll() == 0);  // nothing was started on the io_context
}

TEST_CASE("a bind address of :port listens on all interfaces, IPv4 loopback included") {
  asio::io_context io;
  HttpServerOptions options = probes({passing("ping")}, {});
  options.bind_address = ":0";
  HttpServer server(io, std::move(options));
  server.start();
  REQUIRE(server.port() != 0);
  std::thread thread([&io] { io.run(); });
  CHECK(get(server.port(), "/healthz").status == 200);
  server.stop();
  thread.join();
}

TEST_CASE("stop() with a connection open closes it and the io thread ends") {
  asio::io_context io;
  HttpServerOptions options = probes({passing("ping")}, {});
  options.bind_address = "127.0.0.1:0";
  HttpServer server(io, std::move(options));
  server.start();
  std::thread thread([&io] { io.run(); });

  Client client(server.port());
  CHECK(client.get("/healthz").status == 200);  // the connection is open and idle on the server
  server.stop();
  thread.join();  // run() returns: the accept loop and the connection's coroutine have ended
  CHECK(client.closed_by_server());
}
