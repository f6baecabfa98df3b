// steward status: what a running steward says about its sources, from its `/status` (served on
// the metrics listener; in a cluster through `kubectl port-forward`).
//
// Prints a table per source and one of the objects that need attention (status_table.hpp), or the
// document itself with `-o json`; exits 0 when steward is ready, 1 when it is not, and 1 with one
// line on stderr (`steward: cannot reach steward at ...`) when no status document came.

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>

#include "base/bind_address.hpp"
#include "commands.hpp"
#include "status_table.hpp"

namespace steward::cmd {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct StatusFlags {
  std::string address = "127.0.0.1:8080";
  std::string output = "table";
  int request_timeout = 5;  // seconds, for the whole exchange: a person is waiting
};

// The answer to GET /status, or why there is none.
struct Answer {
  std::optional<http::response<http::string_body>> response;
  std::string error;  // set when there is no response
};

// Plain HTTP GET /status from host:port within `timeout`, connection closed after.
Answer get_status(const std::string& host, const std::string& port, std::chrono::seconds timeout) {
  asio::io_context io;
  Answer answer;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        boost::system::error_code ec;
        asio::ip::tcp::resolver resolver(io);
        const auto endpoints =
            co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          answer.error = ec.message();
          co_return;
        }
        beast::tcp_stream stream(io);
        stream.expires_after(timeout);  // one deadline for connect, request and answer
        co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
        http::request<http::string_body> request{http::verb::get, "/status", 11};
        request.set(http::field::host, host + ":" + port);
        request.set(http::field::accept, "application/json");
        request.set(http::field::user_agent, "steward-status");
        if (!ec) co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);  // a status of thousands of objects is a few MiB
        if (!ec) {
          co_await http::async_read(stream, buffer, parser,
                                    asio::redirect_error(asio::use_awaitable, ec));
        }
        if (ec == beast::error::timeout) {
          answer.error = "no answer within " + std::to_string(timeout.count()) + "s";
        } else if (ec) {
          answer.error = ec.message();
        } else {
          answer.response = parser.release();
        }
        stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
      },
      asio::detached);
  io.run();
  return answer;
}

int run_status(const StatusFlags& flags) {
  base::BindAddress address = *base::parse_bind_address(flags.address);  // checked by the flag
  if (address.host.empty()) address.host = "127.0.0.1";
  const Answer answer = get_status(address.host, std::to_string(address.port),
                                   std::chrono::seconds(flags.request_timeout));
  if (!answer.response) {
    std::cerr << "steward: cannot reach steward at " << flags.address << ": " << answer.error
              << " (is it running? in a cluster: kubectl port-forward -n steward-system "
                 "deploy/steward "
              << address.port << ")\n";
    return kExitFailure;
  }
  const auto& response = *answer.response;
  if (response.result() != http::status::ok) {
    std::string body = response.body().substr(0, 200);
    while (!body.empty() && body.back() == '\n') body.pop_back();
    std::cerr << "steward: " << flags.address << " answered GET /status with "
              << response.result_int() << " " << response.reason() << ": " << body
              << " (a steward older than /status, or not steward's metrics address?)\n";
    return kExitFailure;
  }
  std::string why;
  const auto status = parse_status(response.body(), why);
  if (!status) {
    std::cerr << "steward: the answer of " << flags.address
              << " to GET /status is not a steward status: " << why << "\n";
    return kExitFailure;
  }
  std::cout << (flags.output == "json" ? pretty_json(response.body()) : status_table(*status));
  return status_exit_code(*status);
}

}  // namespace

Command add_status_command(CLI::App& app) {
  auto flags = std::make_shared<StatusFlags>();
  auto* status = app.add_subcommand(
      "status",
      "Show what a running steward reports on its sources and the objects that need attention");
  status
      ->add_option("--address", flags->address,
                   "HOST:PORT of steward's metrics listener, where it serves /status (in a "
                   "cluster: kubectl port-forward -n steward-system deploy/steward 8080)")
      ->capture_default_str()
      ->check([](const std::string& value) -> std::string {
        const auto parsed = value == base::kBindAddressDisabled
                                ? std::nullopt
                                : base::parse_bind_address(value);
        if (!parsed || parsed->port == 0) {
          return "--address: want HOST:PORT, such as 127.0.0.1:8080";
        }
        return "";
      });
  status->add_option("-o,--output", flags->output, "table or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  status
      ->add_option("--request-timeout", flags->request_timeout,
                   "seconds to wait for the answer, connecting included")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  return [flags] { return run_status(*flags); };
}

}  // namespace steward::cmd
