#include "manager/http_server.hpp"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cctype>
#include <exception>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "base/bind_address.hpp"
#include "manager/connection_slots.hpp"
#include "manager/request_authorizer.hpp"
#include "manager/request_parser.hpp"

namespace steward::manager {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Writing one response: the largest is a scrape of a few hundred KiB.
constexpr std::chrono::seconds kWriteTimeout{10};
// After answering a request whose rest is not read (a body, an oversized header), what the client
// still sends is read and thrown away for up to this long before closing: closing a socket with
// unread input resets the connection, and the reset can destroy the answer still in flight.
constexpr std::chrono::seconds kLingerTimeout{1};
constexpr std::size_t kLingerBytes = 256 * 1024;
// Pause after a failed accept (out of file descriptors, say) rather than spinning on it.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kTextContentType = "text/plain; charset=utf-8";
constexpr std::string_view kJsonContentType = "application/json";

using Request = http::request<http::empty_body>;
using Response = http::response<http::string_body>;

// What a request is answered, before HTTP framing.
struct Reply {
  http::status status = http::status::ok;
  std::string_view content_type = kTextContentType;
  std::string body;
};

std::string quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

// ---- the bind address --------------------------------------------------------------------------

// The address as base::parse_bind_address reads it; std::invalid_argument, in the server's words,
// when it does not.
base::BindAddress read_bind_address(const std::string& address) {
  base::BindAddressError why;
  if (auto bind = base::parse_bind_address(address, &why)) return *std::move(bind);
  std::string_view problem;
  switch (why.kind) {
    case base::BindAddressError::Kind::kNotHostPort: problem = "is not host:port"; break;
    case base::BindAddressError::Kind::kBadPort: problem = "has no port from 0 to 65535"; break;
    case base::BindAddressError::Kind::kIpv6NotBracketed:
      problem = "needs brackets around its IPv6 host";
      break;
  }
  throw std::invalid_argument("bind address " + quote(address) + " " + std::string(problem) +
                              " (\":8080\", \"127.0.0.1:8080\", \"[::1]:8080\")");
}

// Where to try listening, in order. All interfaces: IPv6 accepting IPv4 too, else IPv4 only (a
// host or container without IPv6), as Go's net.Listen does for ":8080".
std::vector<tcp::endpoint> listen_endpoints(const std::string& address,
                                            const base::BindAddress& bind,
                                            const asio::any_io_executor& executor) {
  if (bind.host.empty()) {
    return {tcp::endpoint(tcp::v6(), bind.port), tcp::endpoint(tcp::v4(), bind.port)};
  }
  boost::system::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(bind.host, ec);
  if (!ec) return {tcp::endpoint(ip, bind.port)};
  tcp::resolver resolver(executor);
  const auto results =
      resolver.resolve(bind.host, std::to_string(bind.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) {
    throw std::system_error(
        ec, "cannot listen on " + quote(address) + ": cannot resolve " + quote(bind.host));
  }
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  return endpoints;
}

// ---- health checks -----------------------------------------------------------------------------

struct CheckResult {
  std::string name;
  std::optional<std::string> failure;  // why the check failed; empty when it passed
  std::optional<std::string> detail;   // what a passing check has to say, if anything
};

std::vector<CheckResult> run_checks(const std::vector<HealthCheck>& checks) {
  std::vector<CheckResult> results;
  results.reserve(checks.size() + 1);
  for (const HealthCheck& check : checks) {
    CheckResult& result = results.emplace_back(CheckResult{check.name, std::nullopt, std::nullopt});
    try {
      if (check.check) result.failure = check.check();
      if (!result.failure && check.detail) result.detail = check.detail();
    } catch (const std::exception& e) {
      result.failure = std::string("check threw: ") + e.what();
    } catch (...) {
      result.failure = "check threw";
    }
  }
  return results;
}

// A reason on one line, so that it cannot forge another check's line.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

std::string checks_json(const std::vector<CheckResult>& results, bool ok) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  writer.StartObject();
  writer.Key("status");
  writer.String(ok ? "ok" : "failed");
  writer.Key("checks");
  writer.StartArray();
  for (const CheckResult& result : results) {
    writer.StartObject();
    writer.Key("name");
    writer.String(result.name.data(), static_cast<rapidjson::SizeType>(result.name.size()));
    writer.Key("ok");
    writer.Bool(!result.failure);
    if (result.failure) {
      writer.Key("reason");
      writer.String(result.failure->data(),
                    static_cast<rapidjson::SizeType>(result.failure->size()));
    } else if (result.detail) {
      writer.Key("detail");
      writer.String(result.detail->data(),
                    static_cast<rapidjson::SizeType>(result.detail->size()));
    }
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return std::string(out.GetString(), out.GetSize()) + "\n";
}

// kube-apiserver's answer: "ok", or a line per failing check and "<what> check failed".
Reply health_reply(std::string_view what, const std::vector<CheckResult>& results, bool verbose) {
  bool ok = true;
  for (const CheckResult& result : results) ok = ok && !result.failure;
  Reply reply;
  reply.status = ok ? http::status::ok : http::status::service_unavailable;
  if (verbose) {
    reply.content_type = kJsonContentType;
    reply.body = checks_json(results, ok);
  } else if (ok) {
    reply.body = "ok";
  } else {
    for (const CheckResult& result : results) {
      if (result.failure)
        reply.body += "[-]" + result.name + " failed: " + one_line(*result.failure) + "\n";
    }
    reply.body += std::string(what) + " check failed\n";
  }
  return reply;
}

// Whether the query has a `verbose` parameter, with any value or none (as kube-apiserver reads it).
bool wants_verbose(std::string_view query) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view parameter = query.substr(0, amp);
    if (parameter.substr(0, parameter.find('=')) == "verbose") return true;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

Reply plain(http::status status, std::string body) {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

Response to_response(Reply reply, unsigned version, bool keep_alive) {
  Response response(reply.status, version);
  response.set(http::field::content_type, reply.content_type);
  response.set("X-Content-Type-Options", "nosniff");
  if (reply.status == http::status::method_not_allowed)
    response.set(http::field::allow, "GET, HEAD");
  response.keep_alive(keep_alive);
  response.body() = std::move(reply.body);
  response.prepare_payload();
  return response;
}

// Shuts down our side and reads what the client still sends, for a while (see kLingerTimeout).
asio::awaitable<void> drain(beast::tcp_stream& stream) {
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(kLingerTimeout);
  std::array<char, 4096> sink{};
  const asio::mutable_buffer into = asio::buffer(sink);
  for (std::size_t total = 0; total < kLingerBytes;) {
    auto [ec, n] = co_await stream.async_read_some(into, kTuple);
    if (ec) break;
    total += n;
  }
}

}  // namespace

// ---- the server --------------------------------------------------------------------------------

struct HttpServer::Impl {
  Impl(asio::io_context& io, HttpServerOptions opts)
      : options(std::move(opts)),
        serves_probes(!options.healthz.empty() || !options.readyz.empty()),
        strand(asio::make_strand(io)),
        acceptor(strand),
        wake(strand),
        slots(options.max_connections) {}

  std::uint16_t listen();
  boost::system::error_code try_listen(const tcp::endpoint& endpoint);
  static asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self);
  static asio::awaitable<void> serve(std::shared_ptr<Impl> self, tcp::socket socket,
                                     ConnectionSlots::Id slot);
  template <class Stream>
  static asio::awaitable<void> serve_connection(std::shared_ptr<Impl> self, Stream& stream,
                                                ConnectionSlots::Id slot);
  void slot_may_be_free();
  void slow_close(HttpServerOptions::SlowClose why) const;
  // The authorizer's refusal of `request`, or nullopt when it may be answered.
  asio::awaitable<std::optional<Reply>> refusal(const Request& request) const;
  Response respond(const Request& request, bool has_body, std::optional<Reply> refused) const;
  Reply route(std::string_view target) const;
  Reply metrics() const;
  void close_all();

  const HttpServerOptions options;
  const bool serves_probes;
  std::atomic<bool> shutting_down{false};
  std::atomic<bool> stopped{false};
  bool started = false;

  // Everything below is used on the strand only.
  asio::strand<asio::io_context::executor_type> strand;
  tcp::acceptor acceptor;
  // The accept loop sleeps on it while every slot is busy (a connection that closes or starts
  // waiting for a header cancels it) and after a failed accept.
  asio::steady_timer wake;
  bool waiting_for_room = false;  // the accept loop sleeps on `wake` for a slot, not a retry delay
  // Open connections: the cap, eviction of the one waiting longest, closing them all on stop().
  // The streams live in their coroutines' frames.
  ConnectionSlots slots;
};

std::uint16_t HttpServer::Impl::listen() {
  const std::string& address = options.bind_address;
  const base::BindAddress bind = read_bind_address(address);
  boost::system::error_code ec;
  for (const tcp::endpoint& endpoint : listen_endpoints(address, bind, strand)) {
    ec = try_listen(endpoint);
    if (!ec) return acceptor.local_endpoint().port();
  }
  throw std::system_error(ec, "cannot listen on " + quote(address));
}

boost::system::error_code HttpServer::Impl::try_listen(const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  // Lets a restarted daemon listen again while connections of its predecessor are in TIME_WAIT;
  // on Linux it does not allow two listeners on one port.
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && endpoint.address().is_v6() && endpoint.address().is_unspecified())
    acceptor.set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
  }
  return ec;
}

// At the cap, a new connection takes the slot of the one waiting longest for a header
// (ConnectionSlots); only when every slot is busy answering does it wait, accepted but not yet
// read, with the connections behind it in the kernel's backlog.
asio::awaitable<void> HttpServer::Impl::accept_loop(std::shared_ptr<Impl> self) {
  while (!self->stopped) {
    auto [ec, socket] = co_await self->acceptor.async_accept(kTuple);
    if (self->stopped || ec == asio::error::operation_aborted) break;
    if (ec) {
      self->wake.expires_after(kAcceptRetryDelay);
      co_await self->wake.async_wait(kTuple);
      continue;
    }
    ConnectionSlots::Room room = ConnectionSlots::Room::kNone;
    while (!self->stopped && (room = self->slots.make_room()) == ConnectionSlots::Room::kNone) {
      self->waiting_for_room = true;
      self->wake.expires_at(asio::steady_timer::time_point::max());
      co_await self->wake.async_wait(kTuple);
      self->waiting_for_room = false;
    }
    if (self->stopped) break;
    if (room == ConnectionSlots::Room::kEvicted) self->slow_close(HttpServerOptions::SlowClose::kEvicted);
    const ConnectionSlots::Id slot = self->slots.reserve();
    asio::co_spawn(self->strand, serve(self, std::move(socket), slot), asio::detached);
  }
}

void HttpServer::Impl::slow_close(HttpServerOptions::SlowClose why) const {
  if (options.on_slow_close) options.on_slow_close(why);
}

void HttpServer::Impl::slot_may_be_free() {
  if (waiting_for_room && !stopped) wake.cancel();
}

asio::awaitable<void> HttpServer::Impl::serve(std::shared_ptr<Impl> self, tcp::socket socket,
                                              ConnectionSlots::Id slot) {
  if (self->options.tls) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *self->options.tls);
    co_await serve_connection(self, stream, slot);
  } else {
    beast::tcp_stream stream(std::move(socket));
    co_await serve_connection(self, stream, slot);
  }
}

template <class Stream>
asio::awaitable<void> HttpServer::Impl::serve_connection(std::shared_ptr<Impl> self,
                                                         Stream& stream, ConnectionSlots::Id slot) {
  beast::tcp_stream& lowest = beast::get_lowest_layer(stream);
  self->slots.attach(slot, [&lowest] {
    boost::system::error_code ignored;
    lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest.close();
  });
  struct Release {
    Impl& impl;
    ConnectionSlots::Id slot;
    ~Release() { impl.slots.release(slot); }
  } release{*self, slot};

  bool keep_alive = true;
  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    // A client that connects and never finishes its handshake is a slow client: bounded by the
    // header deadline, and evictable as one waiting for its header.
    lowest.expires_after(self->options.read_timeout);
    self->slots.waiting(slot);
    self->slot_may_be_free();
    auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    keep_alive = !handshake_ec;
  }
  beast::flat_buffer buffer;
  while (keep_alive && !self->stopped) {
    RequestParser parser;
    limit_request_parser(parser, self->options.max_header_bytes);
    lowest.expires_after(self->options.read_timeout);
    self->slots.waiting(slot);  // from here until its header is in, it may be evicted
    self->slot_may_be_free();
    auto [read_ec, read_bytes] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    if (self->stopped) break;
    self->slots.busy(slot);
    Response response;
    bool unread_input = false;  // the request's rest (its body, its oversized header) is not read
    if (read_ec) {
      const auto status = status_for_read_error(read_ec);
      if (read_ec == beast::error::timeout && parser.got_some())
        self->slow_close(HttpServerOptions::SlowClose::kHeaderTimeout);
      if (!status) break;
      response =
          to_response(plain(*status, std::string(obsolete_reason(*status)) + "\n"), 11, false);
      unread_input = true;
    } else {
      unread_input = !parser.is_done();
      std::optional<Reply> refused = co_await self->refusal(parser.get());
      if (self->stopped) break;
      response = self->respond(parser.get(), unread_input, std::move(refused));
    }
    lowest.expires_after(kWriteTimeout);
    auto [write_ec, written] = co_await http::async_write(stream, response, kTuple);
    if (write_ec) break;
    if (unread_input) {
      self->slots.waiting(slot);  // draining is a courtesy: a newcomer may have the slot
      self->slot_may_be_free();
      co_await drain(lowest);
    }
    keep_alive = response.keep_alive();
  }

  boost::system::error_code ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
  lowest.close();
  self->slots.release(slot);
  self->slot_may_be_free();
}

asio::awaitable<std::optional<Reply>> HttpServer::Impl::refusal(const Request& request) const {
  if (!options.authorizer) co_return std::nullopt;
  const std::string_view target = request.target();
  std::string path(target.substr(0, target.find('?')));
  const bool get = request.method() == http::verb::get || request.method() == http::verb::head;
  std::string verb(get ? std::string("get") : std::string(request.method_string()));
  for (char& c : verb) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const AuthDecision decision = co_await options.authorizer->authorize(
      std::string(request[http::field::authorization]), std::move(verb), std::move(path));
  if (decision.allowed()) co_return std::nullopt;
  co_return plain(static_cast<http::status>(decision.status), decision.message + "\n");
}

Response HttpServer::Impl::respond(const Request& request, bool has_body,
                                   std::optional<Reply> refused) const {
  const bool head = request.method() == http::verb::head;
  Reply reply;
  if (refused) {
    reply = std::move(*refused);
  } else if (request.method() != http::verb::get && !head) {
    reply = plain(http::status::method_not_allowed, "method not allowed\n");
  } else if (has_body) {
    reply = plain(http::status::payload_too_large, "a request body is not accepted\n");
  } else {
    reply = route(request.target());
  }
  Response response =
      to_response(std::move(reply), request.version(), request.keep_alive() && !has_body);
  if (head) response.body().clear();  // Content-Length stays that of the GET answer
  return response;
}

Reply HttpServer::Impl::route(std::string_view target) const {
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  if (path == "/metrics" && options.registry != nullptr) return metrics();
  if (path == "/status" && options.status) {
    return Reply{.content_type = kJsonContentType, .body = options.status()};
  }
  if (serves_probes && path == "/healthz") {
    return health_reply("healthz", run_checks(options.healthz), wants_verbose(query));
  }
  if (serves_probes && path == "/readyz") {
    std::vector<CheckResult> results = run_checks(options.readyz);
    std::optional<std::string> shutdown;
    if (shutting_down) shutdown = "the daemon is shutting down";
    results.push_back(CheckResult{"shutdown", std::move(shutdown), std::nullopt});
    return health_reply("readyz", results, wants_verbose(query));
  }
  return plain(http::status::not_found, "404 page not found\n");
}

Reply HttpServer::Impl::metrics() const {
  if (options.before_scrape) {
    try {
      options.before_scrape();
    } catch (...) {
      // A failed refresh leaves some gauges stale; the scrape is still worth answering.
    }
  }
  Reply reply;
  reply.content_type = kMetricsContentType;
  const prometheus::TextSerializer serializer;
  reply.body = serializer.Serialize(options.registry->Collect());
  return reply;
}

void HttpServer::Impl::close_all() {
  boost::system::error_code ignored;
  acceptor.close(ignored);
  wake.cancel();
  slots.close_all();
}

// ---- the public face ---------------------------------------------------------------------------

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  if (impl_->started || impl_->stopped) {
    throw std::logic_error("HttpServer::start called twice or after stop");
  }
  impl_->started = true;
  if (impl_->options.bind_address == base::kBindAddressDisabled) return;
  port_ = impl_->listen();
  asio::co_spawn(impl_->strand, Impl::accept_loop(impl_), asio::detached);
}

std::uint16_t HttpServer::port() const { return port_; }

void HttpServer::set_shutting_down() { impl_->shutting_down = true; }

void HttpServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  asio::post(impl_->strand, [impl = impl_] { impl->close_all(); });
}

}  // namespace steward::manager
