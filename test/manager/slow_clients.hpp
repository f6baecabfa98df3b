#pragma once
// What issue #22's probe port must withstand, for the HTTP server's tests: clients that connect
// and then dribble a request header a byte at a time without ever finishing it (a slowloris), or
// send nothing at all; and a GET with a deadline of its own, to time a probe under that flood.

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace steward::test {

// `count` connections to 127.0.0.1:port, opened before the constructor returns (so the server's
// backlog holds them ahead of any connection the test opens next). Every other one stays silent;
// the others send the start of a request and then one more header byte every `interval`, from a
// thread of their own, until destroyed. A connection the server closes is opened again, as an
// attacker would, so the flood keeps its size.
class SlowClients {
 public:
  SlowClients(std::uint16_t port, int count,
              std::chrono::milliseconds interval = std::chrono::milliseconds(100))
      : server_(boost::asio::ip::make_address("127.0.0.1"), port), interval_(interval) {
    clients_.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      auto& client = clients_.emplace_back(Client{boost::asio::ip::tcp::socket(io_), i % 2 == 1});
      open(client);
    }
    thread_ = std::thread([this] { dribble(); });
  }
  ~SlowClients() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  SlowClients(const SlowClients&) = delete;
  SlowClients& operator=(const SlowClients&) = delete;

 private:
  struct Client {
    boost::asio::ip::tcp::socket socket;
    bool silent;
  };

  void open(Client& client) {
    boost::system::error_code ec;
    client.socket.close(ec);
    client.socket.connect(server_, ec);
    if (!ec && !client.silent) send(client, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  }

  static bool send(Client& client, const std::string& bytes) {
    boost::system::error_code ec;
    boost::asio::write(client.socket, boost::asio::buffer(bytes), ec);
    return !ec;
  }

  // Whether the server closed it: readable with nothing to read (blocking reads would hang).
  static bool closed_by_server(Client& client) {
    boost::system::error_code ec;
    client.socket.non_blocking(true, ec);
    std::array<char, 64> sink{};
    client.socket.read_some(boost::asio::buffer(sink), ec);
    boost::system::error_code ignored;
    client.socket.non_blocking(false, ignored);
    return ec && ec != boost::asio::error::would_block;
  }

  void dribble() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
      for (Client& client : clients_) {
        if (closed_by_server(client) || (!client.silent && !send(client, "a"))) open(client);
      }
    }
  }

  boost::asio::io_context io_;
  const boost::asio::ip::tcp::endpoint server_;
  const std::chrono::milliseconds interval_;
  std::vector<Client> clients_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// GET `target` from 127.0.0.1:port on a new connection: the answer's status, or 0 when none came
// within `deadline` (connecting, sending and reading together).
inline unsigned get_status(std::uint16_t port, const std::string& target,
                           std::chrono::steady_clock::duration deadline) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  asio::io_context io;
  beast::tcp_stream stream(io);
  http::request<http::empty_body> request(http::verb::get, target, 11);
  request.set(http::field::host, "127.0.0.1");
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  unsigned status = 0;
  stream.expires_after(deadline);
  stream.async_connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
      [&](beast::error_code ec) {
        if (ec) return;
        http::async_write(stream, request, [&](beast::error_code write_ec, std::size_t) {
          if (write_ec) return;
          http::async_read(stream, buffer, response,
                           [&](beast::error_code read_ec, std::size_t) {
                             if (!read_ec) status = response.result_int();
                           });
        });
      });
  io.run();
  return status;
}

}  // namespace steward::test
