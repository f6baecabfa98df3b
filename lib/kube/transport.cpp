#include "kube/transport.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "kube/async_semaphore.hpp"

namespace steward::kube {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// One connection to the server, plain or TLS. Used by one request at a time.
class Connection {
 public:
  Connection(asio::any_io_executor executor, ssl::context* tls)
      : tcp_(executor) {
    if (tls != nullptr) tls_.emplace(std::move(tcp_), *tls);
  }

  beast::tcp_stream& tcp() { return tls_ ? tls_->next_layer() : tcp_; }
  beast::flat_buffer& buffer() { return buffer_; }
  base::Clock::time_point last_used{};  // on the Transport's clock; set when it went idle

  // Calls `f` with the stream to read and write: the TLS stream or the plain TCP stream.
  template <typename F>
  auto with_stream(F&& f) {
    return tls_ ? f(*tls_) : f(tcp_);
  }

  ssl::stream<beast::tcp_stream>* tls() { return tls_ ? &*tls_ : nullptr; }

 private:
  beast::tcp_stream tcp_;
  std::optional<ssl::stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
};

// A request's RequestCancel attached to its connection, detached on every way out.
struct Attachment {
  RequestCancel* cancel;
  // Whether the request was cancelled; nothing is attached afterwards.
  bool detach() {
    const bool cancelled = cancel != nullptr && cancel->detach();
    cancel = nullptr;
    return cancelled;
  }
  ~Attachment() { detach(); }
};

std::string milliseconds(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

// `what` failed with `ec`. A Beast timeout means that `deadline` ("connect deadline 500 ms")
// passed: the error says which one.
ApiError failure(const std::string& what, const boost::system::error_code& ec,
                 const std::string& deadline) {
  if (ec == beast::error::timeout) {
    return ApiError::timeout(what + ": timed out (" + deadline + ")");
  }
  return ApiError::transport_failure(what + ": " + ec.message());
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// Whether a failure on a reused connection means the server had closed it while it sat in the pool
// (then nothing was processed and sending again is safe), rather than a failure of this request.
bool stale_connection(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::eof ||
         ec == ssl::error::stream_truncated;
}

// Linux's keepalive defaults send the first probe after 2 h idle, which finds a dead peer (a
// load balancer or NAT that dropped the connection's state) far too late to matter. 30 s idle, then
// 3 probes 10 s apart: found within about a minute, for a probe of a few bytes per idle connection
// every 30 s (Go's net.Dialer probes after 15 s). Best effort: a setsockopt that fails leaves the
// defaults, no worse than before.
void probe_dead_peers(tcp::socket& socket) {
  constexpr int kIdleSeconds = 30;
  constexpr int kIntervalSeconds = 10;
  constexpr int kProbes = 3;
  const int fd = socket.native_handle();
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &kIdleSeconds, sizeof kIdleSeconds);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &kIntervalSeconds, sizeof kIntervalSeconds);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &kProbes, sizeof kProbes);
}

http::verb to_verb(const std::string& method) {
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) throw std::invalid_argument("unknown HTTP method " + method);
  return verb;
}

}  // namespace

struct Transport::Impl {
  Impl(asio::io_context& io_context, const RestConfig& rest, TransportOptions opts,
       const base::Clock& idle_clock)
      : io(io_context),
        config(rest),
        options(std::move(opts)),
        clock(idle_clock),
        host(rest.server.authority()),
        pool_slots(io_context, std::max<std::size_t>(options.pool_size, 1)) {
    if (config.server.is_https()) tls.emplace(make_tls_context());
  }

  ssl::context make_tls_context() const {
    ssl::context ctx(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    if (config.insecure_skip_tls_verify) {
      ctx.set_verify_mode(ssl::verify_none);
    } else {
      ctx.set_verify_mode(ssl::verify_peer);
      boost::system::error_code ec;
      if (config.ca_pem) {
        ctx.add_certificate_authority(asio::buffer(*config.ca_pem), ec);
      } else {
        ctx.set_default_verify_paths(ec);
      }
      if (ec) throw std::runtime_error("cannot use the certificate authority: " + ec.message());
    }
    if (!config.auth.client_certificate_pem.empty()) {
      boost::system::error_code ec;
      ctx.use_certificate_chain(asio::buffer(config.auth.client_certificate_pem), ec);
      if (!ec) {
        ctx.use_private_key(asio::buffer(config.auth.client_key_pem), ssl::context::pem, ec);
      }
      if (ec) throw std::runtime_error("cannot use the client certificate: " + ec.message());
    }
    return ctx;
  }

  const std::string& verify_name() const {
    return config.tls_server_name.empty() ? config.server.host : config.tls_server_name;
  }

  // The most recently used idle connection, or nullptr when none is fresh enough. Every connection
  // idle for idle_timeout is closed on the way, older ones behind a fresh one included, so none
  // lingers half-closed in the pool (servers close idle connections too).
  std::unique_ptr<Connection> take_idle() {
    std::vector<std::unique_ptr<Connection>> expired;  // closed when this returns
    std::lock_guard guard(pool_mu);
    const auto now = clock.now();
    std::vector<std::unique_ptr<Connection>> fresh;
    for (auto& connection : idle) {
      (now - connection->last_used < options.idle_timeout ? fresh : expired)
          .push_back(std::move(connection));
    }
    idle = std::move(fresh);
    if (idle.empty()) return nullptr;
    auto connection = std::move(idle.back());
    idle.pop_back();
    return connection;
  }

  // Needs no size check: a connection exists only while its request holds a pool slot, or idle
  // here, so there are never more than pool_size of them.
  void give_back(std::unique_ptr<Connection> connection) {
    std::lock_guard guard(pool_mu);
    connection->last_used = clock.now();
    idle.push_back(std::move(connection));
  }

  asio::awaitable<std::pair<std::unique_ptr<Connection>, std::optional<ApiError>>> connect() {
    // Each connection gets a strand: a stream's close() may come from another thread.
    auto connection = std::make_unique<Connection>(asio::make_strand(io), tls ? &*tls : nullptr);
    tcp::resolver resolver(connection->tcp().get_executor());
    auto [resolve_ec, endpoints] = co_await resolver.async_resolve(
        config.server.host, std::to_string(config.server.port), kTuple);
    if (resolve_ec) {
      co_return std::pair{nullptr, ApiError::transport_failure("cannot resolve " + host + ": " +
                                                               resolve_ec.message())};
    }
    const std::string deadline = "connect deadline " + milliseconds(options.connect_timeout);
    connection->tcp().expires_after(options.connect_timeout);
    auto [connect_ec, endpoint] = co_await connection->tcp().async_connect(endpoints, kTuple);
    if (connect_ec) {
      co_return std::pair{nullptr, failure("cannot connect to " + host, connect_ec, deadline)};
    }
    connection->tcp().socket().set_option(asio::socket_base::keep_alive(true));
    probe_dead_peers(connection->tcp().socket());
    connection->tcp().socket().set_option(tcp::no_delay(true));
    if (auto* stream = connection->tls()) {
      const std::string& name = verify_name();
      if (!is_ip_address(name)) SSL_set_tlsext_host_name(stream->native_handle(), name.c_str());
      if (!config.insecure_skip_tls_verify) {
        stream->set_verify_callback(ssl::host_name_verification(name));
      }
      auto [handshake_ec] = co_await stream->async_handshake(ssl::stream_base::client, kTuple);
      if (handshake_ec) {
        co_return std::pair{
            nullptr, failure("TLS handshake with " + host + " failed", handshake_ec, deadline)};
      }
    }
    connection->tcp().expires_never();
    co_return std::pair{std::move(connection), std::nullopt};
  }

  http::request<http::string_body> build(const HttpRequest& request) const {
    http::request<http::string_body> message{to_verb(request.method),
                                             config.server.path_prefix + request.target, 11};
    message.set(http::field::host, host);
    message.set(http::field::user_agent, options.user_agent);
    message.set(http::field::accept, "application/json");
    if (!request.authorization.empty()) message.set(http::field::authorization, request.authorization);
    if (!request.content_type.empty()) message.set(http::field::content_type, request.content_type);
    message.body() = request.body;
    message.keep_alive(true);
    message.prepare_payload();
    return message;
  }

  template <typename Fields>
  static void copy_head(const http::header<false, Fields>& head, HttpResponse& out) {
    out.status = static_cast<int>(head.result_int());
    out.content_type = std::string(head[http::field::content_type]);
    out.retry_after = std::string(head[http::field::retry_after]);
    out.priority_and_fairness = head.find("X-Kubernetes-PF-PriorityLevel-UID") != head.end() ||
                                head.find("X-Kubernetes-PF-FlowSchema-UID") != head.end();
  }

  asio::io_context& io;
  const RestConfig config;
  const TransportOptions options;
  const base::Clock& clock;
  const std::string host;
  std::optional<ssl::context> tls;
  // One slot per pooled connection: a round trip holds one from before it takes or opens a
  // connection until after it gave the connection back (or closed it).
  AsyncSemaphore pool_slots;
  std::mutex pool_mu;  // guards idle and every idle connection's last_used
  std::vector<std::unique_ptr<Connection>> idle;  // oldest first
};

namespace {

// Gives a pool slot back when the round trip that holds it ends, however it ends.
class PoolSlot {
 public:
  explicit PoolSlot(AsyncSemaphore& slots) : slots_(slots) {}
  ~PoolSlot() { slots_.release(); }
  PoolSlot(const PoolSlot&) = delete;
  PoolSlot& operator=(const PoolSlot&) = delete;

 private:
  AsyncSemaphore& slots_;
};

// A watch response: the connection belongs to the stream until it is destroyed.
class BeastResponseStream final : public ResponseStream {
 public:
  BeastResponseStream(std::shared_ptr<Connection> connection,
                      std::unique_ptr<http::response_parser<http::buffer_body>> parser,
                      HttpResponse head)
      : connection_(std::move(connection)), parser_(std::move(parser)), head_(std::move(head)) {}

  const HttpResponse& head() const override { return head_; }

  asio::awaitable<Piece> read_some(std::chrono::milliseconds idle_timeout) override {
    // A read may parse only framing (a chunk header) and yield no body bytes: read on until some
    // arrive or the body ends.
    while (!parser_->is_done()) {
      auto& body = parser_->get().body();
      body.data = chunk_.data();
      body.size = chunk_.size();
      connection_->tcp().expires_after(idle_timeout);
      auto [ec, n] = co_await connection_->with_stream([&](auto& stream) {
        return http::async_read_some(stream, connection_->buffer(), *parser_, kTuple);
      });
      // need_buffer only says the chunk is full: not an error.
      if (ec && ec != http::error::need_buffer) {
        if (closed_) co_return Piece{{}, ApiError::transport_failure("stream closed")};
        co_return Piece{{},
                        failure("watch stream", ec, "idle deadline " + milliseconds(idle_timeout))};
      }
      const std::size_t got = chunk_.size() - body.size;
      if (got > 0) co_return Piece{std::string_view(chunk_.data(), got), std::nullopt};
    }
    co_return Piece{{}, std::nullopt};
  }

  void close() override {
    closed_ = true;
    // On the connection's strand (the socket is not thread-safe), keeping the connection alive
    // until then: the stream may be destroyed right after close().
    asio::post(connection_->tcp().get_executor(), [connection = connection_] {
      boost::system::error_code ignored;
      connection->tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
      connection->tcp().socket().close(ignored);
    });
  }

 private:
  std::shared_ptr<Connection> connection_;
  std::unique_ptr<http::response_parser<http::buffer_body>> parser_;
  HttpResponse head_;
  std::array<char, 64 * 1024> chunk_{};
  std::atomic<bool> closed_{false};
};

}  // namespace

Transport::Transport(asio::io_context& io, const RestConfig& config, TransportOptions options,
                     const base::Clock& clock)
    : impl_(std::make_unique<Impl>(io, config, std::move(options), clock)) {}

Transport::~Transport() = default;

const std::string& Transport::host() const { return impl_->host; }

void RequestCancel::cancel() {
  std::lock_guard guard(mu_);
  cancelled_ = true;
  if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);
}

bool RequestCancel::cancelled() const {
  std::lock_guard guard(mu_);
  return cancelled_;
}

bool RequestCancel::attach(int socket) {
  std::lock_guard guard(mu_);
  if (cancelled_) return false;
  socket_ = socket;
  return true;
}

bool RequestCancel::detach() {
  std::lock_guard guard(mu_);
  socket_ = -1;
  return cancelled_;
}

asio::awaitable<TransportResult> Transport::round_trip(const HttpRequest& request,
                                                       RequestCancel* cancel) {
  auto message = impl_->build(request);
  const auto& timeout = impl_->options.request_timeout;
  const std::string deadline_text = "request deadline " + milliseconds(timeout);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!co_await impl_->pool_slots.acquire(deadline)) {
    co_return TransportResult{
        ApiError::timeout(request.method + " " + request.target + ": all " +
                          std::to_string(impl_->options.pool_size) +
                          " pooled connections stayed busy (" + deadline_text + ")"),
        {}};
  }
  const PoolSlot slot(impl_->pool_slots);
  for (int attempt = 0;; ++attempt) {
    auto connection = attempt == 0 ? impl_->take_idle() : nullptr;
    const bool reused = connection != nullptr;
    if (!connection) {
      auto [fresh, error] = co_await impl_->connect();
      if (error) co_return TransportResult{std::move(error), {}};
      connection = std::move(fresh);
    }
    if (cancel != nullptr && !cancel->attach(connection->tcp().socket().native_handle())) {
      co_return TransportResult{ApiError::transport_failure(request.method + " " + request.target +
                                                            ": cancelled before it was sent"),
                                {}};
    }
    // Detached before the connection is closed or pooled: a late cancel() must not shut down a
    // socket that is no longer this request's.
    Attachment attached{cancel};
    connection->tcp().expires_at(deadline);
    auto [write_ec, written] = co_await connection->with_stream(
        [&](auto& stream) { return http::async_write(stream, message, kTuple); });
    http::response_parser<http::string_body> parser;
    parser.body_limit(impl_->options.max_body_bytes);
    boost::system::error_code read_ec;
    if (!write_ec) {
      auto [ec, n] = co_await connection->with_stream([&](auto& stream) {
        return http::async_read(stream, connection->buffer(), parser, kTuple);
      });
      read_ec = ec;
    }
    const auto ec = write_ec ? write_ec : read_ec;
    if (ec) {
      if (reused && stale_connection(ec) && !parser.got_some() &&
          !(cancel != nullptr && cancel->cancelled())) {
        continue;
      }
      co_return TransportResult{failure(request.method + " " + request.target, ec, deadline_text),
                                {}};
    }
    TransportResult result;
    Impl::copy_head(parser.get().base(), result.response);
    result.response.body = std::move(parser.get().body());
    // A connection cancel() shut down meanwhile is not pooled.
    if (parser.get().keep_alive() && !attached.detach()) {
      connection->tcp().expires_never();
      impl_->give_back(std::move(connection));
    }
    co_return result;
  }
}

asio::awaitable<StreamResult> Transport::open_stream(const HttpRequest& request) {
  auto message = impl_->build(request);
  auto [connection, error] = co_await impl_->connect();
  if (error) co_return StreamResult{std::move(error), nullptr};
  connection->tcp().expires_after(impl_->options.request_timeout);
  auto [write_ec, written] = co_await connection->with_stream(
      [&](auto& stream) { return http::async_write(stream, message, kTuple); });
  auto parser = std::make_unique<http::response_parser<http::buffer_body>>();
  parser->body_limit(boost::none);  // a watch has no end
  boost::system::error_code read_ec;
  if (!write_ec) {
    auto [ec, n] = co_await connection->with_stream([&](auto& stream) {
      return http::async_read_header(stream, connection->buffer(), *parser, kTuple);
    });
    read_ec = ec;
  }
  if (const auto ec = write_ec ? write_ec : read_ec) {
    co_return StreamResult{
        failure(request.method + " " + request.target, ec,
                "request deadline " + milliseconds(impl_->options.request_timeout)),
        nullptr};
  }
  HttpResponse head;
  Impl::copy_head(parser->get().base(), head);
  co_return StreamResult{std::nullopt, std::make_unique<BeastResponseStream>(
                                           std::move(connection), std::move(parser), std::move(head))};
}

}  // namespace steward::kube
