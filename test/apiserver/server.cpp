#include "server.hpp"

#include "api.hpp"
#include "certs.hpp"
#include "compactor.hpp"
#include "faults.hpp"
#include "registry.hpp"
#include "router.hpp"
#include "stats.hpp"
#include "store.hpp"
#include "watch.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <csignal>
#include <deque>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>

namespace steward::testapi {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// What the server can ask of any live connection, whatever its stream type.
class Connection {
 public:
  virtual ~Connection() = default;
  // Ends a watch stream cleanly (final chunk); no-op for a connection that is not watching.
  virtual void end_watch(const std::string& only_storage_key) = 0;
  // Drops the connection at once, as a crashing server would.
  virtual void drop() = 0;
};

}  // namespace

struct Server::Impl {
  explicit Impl(ServerOptions o)
      : options(std::move(o)),
        store(StoreOptions{options.watch_history}),
        compactor(store),
        faults(options.seed),
        api(store, registry, options.seed, [this](std::function<void()> fn) { net::post(ioc, std::move(fn)); }),
        openapi(OpenApi::load(options.openapi_v2_file.empty() ? STEWARD_TESTAPI_OPENAPI_V2 : options.openapi_v2_file)),
        router(api, registry, store, openapi, faults, stats, options.token, options.users, [this](const Faults::Actions& a) { on_actions(a); }) {
    api.on_storage_removed = [this](const std::string& key) { each_connection([&](Connection& c) { c.end_watch(key); }); };
    store.set_observer([this](const std::string& key, const StoreEvent& ev) { router.write_log().record_version(key, ev); });
  }

  void accept();
  void arm_compactor();
  void on_actions(const Faults::Actions& actions);
  template <class Fn>
  void each_connection(Fn fn) {
    // Copy: ending or dropping one may unregister it.
    std::vector<std::shared_ptr<Connection>> live;
    for (auto& [id, weak] : connections)
      if (auto c = weak.lock()) live.push_back(c);
    for (auto& c : live) fn(*c);
  }
  void seed_objects();

  ServerOptions options;
  // Declared before the io_context: sessions destroyed with it still unregister here.
  std::map<std::uint64_t, std::weak_ptr<Connection>> connections;
  std::uint64_t next_connection = 1;
  Stats stats;
  Store store;
  Compactor compactor;
  Registry registry;
  Faults faults;
  Api api;
  OpenApi openapi;
  Router router;
  TlsMaterial tls;
  std::string url;

  net::io_context ioc{1};
  std::optional<ssl::context> ssl_ctx;
  tcp::acceptor acceptor{ioc};
  net::signal_set signals{ioc};
  net::steady_timer compaction_timer{ioc};
};

namespace {

template <class Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Server::Impl& srv, Stream stream, std::uint64_t id)
      : srv_(srv),
        stream_(std::move(stream)),
        id_(id),
        delay_timer_(stream_.get_executor()),
        watch_timeout_(stream_.get_executor()),
        bookmark_timer_(stream_.get_executor()) {
    ++srv_.stats.connections_open;
  }

  ~Session() override {
    srv_.connections.erase(id_);
    --srv_.stats.connections_open;
  }

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read_request();
    } else {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->close();
        self->read_request();
      });
    }
  }

  void end_watch(const std::string& only_storage_key) override {
    if (!watcher_ || watch_ending_ || closed_) return;
    if (!only_storage_key.empty() && watcher_->spec().type.storage_key() != only_storage_key) return;
    watch_ending_ = true;
    watcher_.reset();
    watch_timeout_.cancel();
    bookmark_timer_.cancel();
    enqueue("0\r\n\r\n");
  }

  void drop() override {
    if (closed_) return;
    close();
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->body_limit(64 * 1024 * 1024);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::minutes(5));
    http::async_read_header(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      // curl sends "Expect: 100-continue" with larger bodies and waits a second for this answer.
      if (beast::iequals(self->parser_->get()[http::field::expect], "100-continue")) {
        auto cont = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
        net::async_write(self->stream_, net::buffer(*cont), [self, cont](beast::error_code ec2, std::size_t) {
          if (ec2) return self->close();
          self->read_body();
        });
        return;
      }
      self->read_body();
    });
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->on_request();
    });
  }

  void on_request() {
    auto& msg = parser_->get();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.parse_target();
    req.authorization = std::string(msg[http::field::authorization]);
    req.content_type = std::string(msg[http::field::content_type]);
    req.user_agent = std::string(msg[http::field::user_agent]);
    req.accept = std::string(msg[http::field::accept]);
    req.if_none_match = std::string(msg[http::field::if_none_match]);
    req.body = std::move(msg.body());
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    auto reply = std::make_shared<ApiReply>(srv_.router.route(req));
    if (srv_.options.log_writes) log_write(req, *reply);
    // The admin endpoint is the control channel: never delayed, so a test can lift the fault.
    auto latency = req.path.rfind("/_testapi/", 0) == 0 ? std::chrono::milliseconds(0)
                                                        : srv_.faults.latency();
    if (latency.count() > 0) {
      delay_timer_.expires_after(latency);
      delay_timer_.async_wait([self = this->shared_from_this(), reply](beast::error_code ec) {
        if (ec || self->closed_) return;
        self->answer(std::move(*reply));
      });
    } else {
      answer(std::move(*reply));
    }
  }

  // One line per write, for tests that compare what reached the server with what the client says
  // it sent: "write METHOD STATUS TARGET USER-AGENT". Reads and the admin endpoint are left out.
  static void log_write(const Request& req, const ApiReply& reply) {
    if (req.method == "GET" || req.method == "HEAD" || req.path.rfind("/_testapi/", 0) == 0) return;
    const auto* response = std::get_if<Response>(&reply);
    std::cout << "write " << req.method << ' ' << (response ? response->status : 0) << ' '
              << req.target << ' ' << req.user_agent << std::endl;
  }

  void answer(ApiReply reply) {
    if (auto* spec = std::get_if<WatchSpec>(&reply)) return start_watch(std::move(*spec));
    auto& r = std::get<Response>(reply);
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), version_);
    res->set(http::field::cache_control, "no-cache, private");
    if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);  // none on a 304
    for (const auto& [k, v] : r.headers) res->set(k, v);
    if (srv_.options.priority_and_fairness && r.status != 401) {
      // The UIDs of the v1.20 bootstrap objects' stand-ins: FlowSchema exempt, PriorityLevel exempt
      // (the admin is in system:masters).
      res->set("X-Kubernetes-PF-FlowSchema-UID", "00000000-0000-4000-8000-00000000f105");
      res->set("X-Kubernetes-PF-PriorityLevel-UID", "00000000-0000-4000-8000-0000000091e1");
    }
    res->keep_alive(keep_alive_);
    res->body() = std::move(r.body);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::minutes(5));
    http::async_write(stream_, *res, [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec || !res->keep_alive()) return self->close();
      self->read_request();
    });
  }

  void start_watch(WatchSpec spec) {
    beast::get_lowest_layer(stream_).expires_never();
    int timeout = spec.timeout_seconds > 0 ? spec.timeout_seconds : srv_.options.default_watch_timeout_seconds;
    bool bookmarks = spec.bookmarks;
    // The stream ends the connection: a watch is the last thing on it (clients open a new one).
    enqueue("HTTP/1.1 200 OK\r\nCache-Control: no-cache, private\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    std::weak_ptr<Session> weak = this->shared_from_this();
    watcher_ = std::make_unique<Watcher>(
        srv_.store, std::move(spec),
        [weak](std::string line) {
          if (auto self = weak.lock()) self->enqueue_chunk(line);
        },
        &srv_.faults);
    if (!watcher_->start()) {
      end_watch("");
      return;
    }
    watch_timeout_.expires_after(std::chrono::seconds(timeout));
    watch_timeout_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->end_watch("");
    });
    if (bookmarks) arm_bookmark();
    // The client never speaks on a watch; a read that completes means it went away.
    stream_.async_read_some(net::buffer(probe_), [self = this->shared_from_this()](beast::error_code, std::size_t) {
      if (!self->closed_ && !self->watch_ending_) self->close();
    });
  }

  void arm_bookmark() {
    bookmark_timer_.expires_after(srv_.options.bookmark_interval);
    bookmark_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || !self->watcher_) return;
      self->watcher_->bookmark();
      self->arm_bookmark();
    });
  }

  void enqueue_chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    enqueue(size + data + "\r\n");
  }

  void enqueue(std::string data) {
    if (closed_) return;
    out_.push_back(std::move(data));
    if (!writing_) write_next();
  }

  void write_next() {
    writing_ = true;
    net::async_write(stream_, net::buffer(out_.front()), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) return self->close();
      self->out_.pop_front();
      if (!self->out_.empty()) return self->write_next();
      if (self->watch_ending_) self->close();
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    watcher_.reset();
    delay_timer_.cancel();
    watch_timeout_.cancel();
    bookmark_timer_.cancel();
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(stream_).socket();
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }

  Server::Impl& srv_;
  Stream stream_;
  std::uint64_t id_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  net::steady_timer delay_timer_;
  net::steady_timer watch_timeout_;
  net::steady_timer bookmark_timer_;
  std::unique_ptr<Watcher> watcher_;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool watch_ending_ = false;
  bool closed_ = false;
  char probe_[1] = {};
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      return accept();
    }
    socket.set_option(tcp::no_delay(true), ec);
    std::uint64_t id = next_connection++;
    ++stats.connections_accepted;
    if (ssl_ctx) {
      auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
          *this, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *ssl_ctx), id);
      connections[id] = s;
      s->start();
    } else {
      auto s = std::make_shared<Session<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(socket)), id);
      connections[id] = s;
      s->start();
    }
    accept();
  });
}

void Server::Impl::arm_compactor() {
  if (options.compaction_interval.count() <= 0) return;
  compaction_timer.expires_after(options.compaction_interval);
  compaction_timer.async_wait([this](beast::error_code ec) {
    if (ec) return;
    compactor.tick();
    arm_compactor();
  });
}

void Server::Impl::on_actions(const Faults::Actions& actions) {
  // After the admin request's answer is written: a restart would otherwise drop that answer too.
  net::post(ioc, [this, actions] {
    // etcd compaction at a fresh revision (a write, then Compact at it): older continue tokens and
    // exact-revision lists answer 410; the watch caches are etcd's clients, untouched.
    if (actions.compact) store.compact(store.write_unwatched());
    // What a burst of writes does to the caches' ring buffers: the revision moves on and every
    // window starts past where it was, so a watch from any older version answers 410.
    if (actions.expire_watch_history) {
      store.write_unwatched();
      store.restart_caches();
    }
    if (actions.compactor_tick) compactor.tick();
    if (actions.close_watches) each_connection([](Connection& c) { c.end_watch(""); });
    if (actions.restart) {
      // A new apiserver process: its caches start at the current revision; etcd keeps everything.
      store.restart_caches();
      each_connection([](Connection& c) { c.drop(); });
    }
  });
}

void Server::Impl::seed_objects() {
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    Request req;
    req.method = "POST";
    req.path = "/api/v1/namespaces";
    req.user_agent = "kube-apiserver";
    req.body = std::string("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"") + ns + "\"}}";
    api.handle(req);
  }
  if (options.seed_configmaps > 0) {
    json::Value data = json::Value::object();
    data["v"] = std::string(options.seed_bytes, 'x');
    char name[32];
    for (std::size_t i = 0; i < options.seed_configmaps; ++i) {
      std::snprintf(name, sizeof name, "cm-%06zu", i);
      api.seed_configmap("bench", name, data);
    }
  }
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() = default;

unsigned short Server::start() {
  Impl& s = *impl_;
  if (s.options.tls) {
    s.tls = generate_tls_material();
    s.ssl_ctx.emplace(ssl::context::tls_server);
    s.ssl_ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3);
    s.ssl_ctx->use_certificate_chain(net::buffer(s.tls.server_cert_pem));
    s.ssl_ctx->use_private_key(net::buffer(s.tls.server_key_pem), ssl::context::pem);
  }
  beast::error_code ec;
  auto address = net::ip::make_address(s.options.host, ec);
  if (ec) throw std::runtime_error("steward-testapi: bad listen address " + s.options.host);
  tcp::endpoint ep(address, s.options.port);
  s.acceptor.open(ep.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(ep, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("steward-testapi: cannot listen on " + s.options.host + ":" +
                                   std::to_string(s.options.port) + ": " + ec.message());
  unsigned short port = s.acceptor.local_endpoint().port();
  std::string hostport = s.options.host + ":" + std::to_string(port);
  s.url = (s.options.tls ? "https://" : "http://") + hostport;
  s.router.set_server_address(hostport);
  s.seed_objects();
  if (s.options.handle_signals) {
    s.signals.add(SIGINT);
    s.signals.add(SIGTERM);
    s.signals.async_wait([this](beast::error_code ec, int) {
      if (!ec) stop();
    });
  }
  s.accept();
  s.arm_compactor();
  return port;
}

void Server::run() { impl_->ioc.run(); }

void Server::stop() {
  net::post(impl_->ioc, [this] {
    Impl& s = *impl_;
    beast::error_code ec;
    s.acceptor.close(ec);
    s.signals.cancel(ec);
    s.compaction_timer.cancel();
    s.each_connection([](Connection& c) { c.drop(); });
    s.ioc.stop();
  });
}

std::string Server::url() const { return impl_->url; }
const std::string& Server::ca_pem() const { return impl_->tls.ca_cert_pem; }
const std::string& Server::token() const { return impl_->options.token; }

}  // namespace steward::testapi
