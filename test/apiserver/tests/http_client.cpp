#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <stdexcept>
#include <variant>

namespace steward::testapi::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// One connection, plain or TLS, blocking operations with a per-operation deadline.
struct Conn {
  net::io_context ioc;
  std::optional<ssl::context> ctx;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;

  explicit Conn(const Endpoint& ep) {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(ep.host, std::to_string(ep.port));
    if (ep.ca_pem.empty()) {
      plain.emplace(ioc);
      plain->expires_after(std::chrono::seconds(10));
      plain->connect(results);
    } else {
      ctx.emplace(ssl::context::tls_client);
      ctx->add_certificate_authority(net::buffer(ep.ca_pem));
      ctx->set_verify_mode(ssl::verify_peer);
      tls.emplace(ioc, *ctx);
      // Verify the serving certificate's SAN against the IP we dialled, as Go clients do.
      tls->set_verify_callback(ssl::host_name_verification(ep.host));
      beast::get_lowest_layer(*tls).expires_after(std::chrono::seconds(10));
      beast::get_lowest_layer(*tls).connect(results);
      tls->handshake(ssl::stream_base::client);
    }
  }

  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*tls); }

  // Beast's stream deadlines apply to asynchronous operations only: run each one to completion here.
  template <class Start>
  beast::error_code run(Start start) {
    beast::error_code result;
    start([&result](beast::error_code ec, std::size_t) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  template <class Fn>
  auto with_stream(Fn fn) {
    if (plain) return fn(*plain);
    return fn(*tls);
  }
};

http::request<http::string_body> make_request(const Endpoint& ep, const std::string& method, const std::string& target,
                                              const std::string& body, const std::string& content_type) {
  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  req.method_string(method);
  req.set(http::field::host, ep.host + ":" + std::to_string(ep.port));
  req.set(http::field::user_agent, "testapi-test/1.0");
  if (!ep.token.empty()) req.set(http::field::authorization, "Bearer " + ep.token);
  if (!body.empty()) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.prepare_payload();
  return req;
}

}  // namespace

HttpReply request(const Endpoint& ep, const std::string& method, const std::string& target, const std::string& body,
                  const std::string& content_type, const std::map<std::string, std::string>& headers) {
  Conn conn(ep);
  auto req = make_request(ep, method, target, body, content_type);
  for (const auto& [name, value] : headers) req.set(name, value);
  HttpReply reply;
  conn.lowest().expires_after(std::chrono::seconds(20));
  conn.with_stream([&](auto& s) {
    beast::error_code ec = conn.run([&](auto handler) { http::async_write(s, req, handler); });
    if (ec) throw beast::system_error(ec);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(512 * 1024 * 1024);
    ec = conn.run([&](auto handler) { http::async_read(s, buf, parser, handler); });
    if (ec) throw beast::system_error(ec);
    auto& res = parser.get();
    reply.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      reply.headers[name] = std::string(f.value());
    }
    reply.body = res.body();
    return 0;
  });
  return reply;
}

struct WatchStream::Impl {
  Conn conn;
  beast::flat_buffer buf;
  http::response_parser<http::empty_body> parser;
  std::string pending;  // chunk bytes not yet split into lines
  bool ended = false;
  bool timed_out = false;  // beast closed the socket at the deadline: nothing more can be read
  std::function<std::size_t(std::uint64_t, std::string_view, beast::error_code&)> on_body;

  explicit Impl(const Endpoint& ep) : conn(ep) {}
};

WatchStream::WatchStream(const Endpoint& ep, const std::string& target) : impl_(std::make_unique<Impl>(ep)) {
  auto req = make_request(ep, "GET", target, "", "");
  impl_->conn.lowest().expires_after(std::chrono::seconds(10));
  impl_->on_body = [this](std::uint64_t, std::string_view data, beast::error_code&) {
    impl_->pending.append(data);
    return data.size();
  };
  impl_->parser.on_chunk_body(impl_->on_body);
  impl_->conn.with_stream([&](auto& s) {
    beast::error_code ec = impl_->conn.run([&](auto handler) { http::async_write(s, req, handler); });
    if (!ec) ec = impl_->conn.run([&](auto handler) { http::async_read_header(s, impl_->buf, impl_->parser, handler); });
    if (ec) throw beast::system_error(ec);
    return 0;
  });
  // A plain (non-chunked) answer, e.g. a 401 Status, arrives as the body of an empty_body parser:
  // nothing to split, the stream has simply ended.
  if (!impl_->parser.chunked()) impl_->ended = true;
}

WatchStream::~WatchStream() = default;

int WatchStream::status() const { return static_cast<int>(impl_->parser.get().result_int()); }

bool WatchStream::ended() const { return impl_->ended; }

std::optional<json::Value> WatchStream::next(std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    auto nl = impl_->pending.find('\n');
    if (nl != std::string::npos) {
      std::string line = impl_->pending.substr(0, nl);
      impl_->pending.erase(0, nl + 1);
      return json::parse(line);
    }
    if (impl_->timed_out) return std::nullopt;
    if (impl_->ended || impl_->parser.is_done()) {
      impl_->ended = true;
      return std::nullopt;
    }
    auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds(0)) {
      impl_->timed_out = true;
      impl_->conn.lowest().close();
      return std::nullopt;
    }
    impl_->conn.lowest().expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(left));
    beast::error_code ec;
    impl_->conn.with_stream([&](auto& s) {
      ec = impl_->conn.run([&](auto handler) { http::async_read_some(s, impl_->buf, impl_->parser, handler); });
      return 0;
    });
    if (ec == beast::error::timeout) {
      impl_->timed_out = true;
      return std::nullopt;
    }
    if (ec) impl_->ended = true;
  }
}

}  // namespace steward::testapi::testing
