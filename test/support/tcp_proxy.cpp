#include "support/tcp_proxy.hpp"

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <thread>
#include <vector>

namespace steward::test {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// One proxied connection: the client's side and the target's.
struct Link {
  explicit Link(asio::io_context& io) : client(io), target(io) {}
  tcp::socket client;
  tcp::socket target;
  // The proxy's freeze count when it was accepted: any freeze() since silences it.
  std::uint64_t epoch = 0;
};

}  // namespace

struct TcpProxy::Impl {
  Impl(const std::string& host, unsigned short port)
      : target(asio::ip::make_address(host), port),
        acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        port(acceptor.local_endpoint().port()) {}

  bool frozen(const Link& link) const { return freezes.load() > link.epoch; }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto link = std::make_shared<Link>(io);
      auto [ec] = co_await acceptor.async_accept(link->client, kTuple);
      if (ec) co_return;  // closed: the proxy is going
      link->epoch = freezes.load();
      ++accepted;
      links.push_back(link);
      asio::co_spawn(io, connect(link), asio::detached);
    }
  }

  asio::awaitable<void> connect(std::shared_ptr<Link> link) {
    auto [ec] = co_await link->target.async_connect(target, kTuple);
    if (ec) {
      boost::system::error_code ignored;
      link->client.close(ignored);
      co_return;
    }
    asio::co_spawn(io, pump(link, link->client, link->target), asio::detached);
    asio::co_spawn(io, pump(link, link->target, link->client), asio::detached);
  }

  // Copies `from` to `to` until either ends, or until the link is frozen: then what was read is
  // dropped and nothing more is read, while both sockets stay open (the Link keeps them).
  asio::awaitable<void> pump(std::shared_ptr<Link> link, tcp::socket& from, tcp::socket& to) {
    std::array<char, 16 * 1024> buffer{};
    for (;;) {
      auto [read_ec, n] = co_await from.async_read_some(asio::buffer(buffer), kTuple);
      if (frozen(*link)) co_return;
      if (read_ec) {
        boost::system::error_code ignored;
        to.shutdown(tcp::socket::shutdown_send, ignored);  // pass the close on
        co_return;
      }
      auto [write_ec, written] = co_await asio::async_write(to, asio::buffer(buffer, n), kTuple);
      if (write_ec) co_return;
    }
  }

  // On the proxy's thread: ends every operation, so its coroutines return and run() with them.
  void close_all() {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    for (const auto& link : links) {
      link->client.close(ignored);
      link->target.close(ignored);
    }
    links.clear();
  }

  asio::io_context io;
  const tcp::endpoint target;
  tcp::acceptor acceptor;
  const unsigned short port;
  std::atomic<std::uint64_t> freezes{0};
  std::atomic<std::size_t> accepted{0};
  // Every link accepted, frozen ones included (their sockets must stay open); proxy thread only.
  std::vector<std::shared_ptr<Link>> links;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  std::thread thread;
};

TcpProxy::TcpProxy(const std::string& target_host, unsigned short target_port)
    : impl_(std::make_unique<Impl>(target_host, target_port)) {
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

TcpProxy::~TcpProxy() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->close_all(); });
  impl_->guard.reset();
  impl_->thread.join();
}

unsigned short TcpProxy::port() const { return impl_->port; }

void TcpProxy::freeze() { ++impl_->freezes; }

std::size_t TcpProxy::accepted() const { return impl_->accepted.load(); }

}  // namespace steward::test
