// steward status: what a running steward says about its sources, from its `/status` (served on
// the metrics listener; in a cluster through `kubectl port-forward`).
//
// Prints a table per source and one of the objects that need attention (status_table.hpp), or the
// document itself with `-o json`; exits 0 when steward is ready, 1 when it is not, and 1 with one
// line on stderr (`steward: cannot reach steward at ...`) when no status document came. Plain
// HTTP, or HTTPS with a bearer token for a steward with --metrics-secure (`--address
// https://HOST:PORT --token-file F`), which serves /status only to callers the API server
// authenticates and allows to get the URL /status.

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
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cctype>
#include <chrono>
#include <fstream>
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
namespace ssl = asio::ssl;

struct StatusFlags {
  std::string address = "127.0.0.1:8080";
  std::string output = "table";
  int request_timeout = 5;  // seconds, for the whole exchange: a person is waiting
  std::string token_file;
  std::string certificate_authority;
  bool insecure_skip_tls_verify = false;
};

// Where to ask: --address without its scheme, and whether it named https.
struct Target {
  bool https = false;
  std::string address;  // HOST:PORT as given, for messages
  base::BindAddress endpoint;
};

std::optional<Target> parse_target(std::string_view value) {
  Target target;
  if (value.starts_with("https://")) {
    target.https = true;
    value.remove_prefix(8);
  } else if (value.starts_with("http://")) {
    value.remove_prefix(7);
  }
  if (value.ends_with('/')) value.remove_suffix(1);
  if (value == base::kBindAddressDisabled) return std::nullopt;
  auto endpoint = base::parse_bind_address(value);
  if (!endpoint || endpoint->port == 0) return std::nullopt;
  if (endpoint->host.empty()) endpoint->host = "127.0.0.1";
  target.address = std::string(value);
  target.endpoint = std::move(*endpoint);
  return target;
}

// The answer to GET /status, or why there is none.
struct Answer {
  std::optional<http::response<http::string_body>> response;
  std::string error;       // set when there is no response
  bool connected = false;  // the TCP connection was made (the failure came after)
  bool timed_out = false;
  bool certificate_refused = false;  // the TLS handshake failed on steward's certificate
};

http::request<http::string_body> status_request(const Target& target, const std::string& token) {
  http::request<http::string_body> request{http::verb::get, "/status", 11};
  request.set(http::field::host, target.address);
  request.set(http::field::accept, "application/json");
  request.set(http::field::user_agent, "steward-status");
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
  return request;
}

// Request and answer on a connected stream (TCP, or TLS after its handshake).
template <class Stream>
asio::awaitable<boost::system::error_code> exchange(Stream& stream,
                                                    http::request<http::string_body> request,
                                                    Answer& answer) {
  boost::system::error_code ec;
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);  // a status of thousands of objects is a few MiB
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) answer.response = parser.release();
  co_return ec;
}

// GET /status within `timeout` (one deadline for connecting, the TLS handshake, the request and
// the answer), connection closed after.
Answer get_status(const Target& target, const StatusFlags& flags, const std::string& token) {
  const std::chrono::seconds timeout(flags.request_timeout);
  asio::io_context io;
  std::optional<ssl::context> tls;
  if (target.https) {
    tls.emplace(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    if (flags.insecure_skip_tls_verify) {
      tls->set_verify_mode(ssl::verify_none);
    } else {
      tls->set_verify_mode(ssl::verify_peer);
      boost::system::error_code ec;
      if (flags.certificate_authority.empty()) {
        tls->set_default_verify_paths(ec);
      } else {
        tls->load_verify_file(flags.certificate_authority, ec);
      }
      if (ec) return Answer{.error = "cannot use the certificate authority: " + ec.message()};
    }
  }
  Answer answer;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        boost::system::error_code ec;
        const std::string& host = target.endpoint.host;
        asio::ip::tcp::resolver resolver(io);
        const auto endpoints = co_await resolver.async_resolve(
            host, std::to_string(target.endpoint.port),
            asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          answer.error = ec.message();
          co_return;
        }
        beast::tcp_stream tcp(io);
        tcp.expires_after(timeout);
        co_await tcp.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
        answer.connected = !ec;
        auto request = status_request(target, token);
        if (!ec && tls) {
          beast::ssl_stream<beast::tcp_stream&> stream(tcp, *tls);
          boost::system::error_code parse_ec;
          asio::ip::make_address(host, parse_ec);
          if (parse_ec) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
          if (!flags.insecure_skip_tls_verify) {
            stream.set_verify_callback(ssl::host_name_verification(host));
          }
          co_await stream.async_handshake(ssl::stream_base::client,
                                          asio::redirect_error(asio::use_awaitable, ec));
          if (ec && ec != beast::error::timeout) {
            answer.error = "TLS handshake failed: " + ec.message();
            answer.certificate_refused =
                ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==
                SSL_R_CERTIFICATE_VERIFY_FAILED;
            co_return;
          }
          if (!ec) ec = co_await exchange(stream, std::move(request), answer);
        } else if (!ec) {
          ec = co_await exchange(tcp, std::move(request), answer);
        }
        if (ec == beast::error::timeout) {
          answer.timed_out = true;
          answer.error = "no answer within " + std::to_string(timeout.count()) + "s";
        } else if (ec) {
          answer.error = ec.message();
        }
        tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
      },
      asio::detached);
  io.run();
  return answer;
}

// What to try when `answer` is not a status, for the common causes.
std::string hint(const Target& target, const Answer& answer) {
  if (!answer.response) {
    if (answer.certificate_refused) {
      return " (steward's certificate is made at its start unless --metrics-cert-dir gives one: "
             "--insecure-skip-tls-verify, or --certificate-authority with the CA that signed it)";
    }
    if (answer.connected && !answer.timed_out && target.https) {
      return " (without --metrics-secure steward serves plain HTTP: --address " + target.address +
             ")";
    }
    // A TLS server closes a connection that speaks plain HTTP to it.
    if (answer.connected && !answer.timed_out && !target.https) {
      return " (a steward with --metrics-secure serves HTTPS: --address https://" + target.address +
             " with --token-file)";
    }
    return " (is it running? in a cluster: kubectl port-forward -n steward-system deploy/steward " +
           std::to_string(target.endpoint.port) + ")";
  }
  switch (answer.response->result()) {
    case http::status::unauthorized:
      return " (--token-file: a token the API server accepts, such as one from kubectl create "
             "token)";
    case http::status::forbidden:
      return " (the token's user needs get on the non-resource URL /status)";
    default:
      return " (a steward older than /status, or not steward's metrics address?)";
  }
}

// The token in `path`, without the line break an editor or `kubectl create token >` leaves.
std::optional<std::string> read_token(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return std::nullopt;
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  return token;
}

int run_status(const StatusFlags& flags) {
  const Target target = *parse_target(flags.address);  // checked by the flag
  std::string token;
  if (!flags.token_file.empty() && !target.https) {
    // Plain HTTP would show the token to anyone on the way, and a steward that serves plain
    // HTTP asks for none.
    std::cerr << "steward: --token-file is sent only over HTTPS: --address https://"
              << target.address << " (see 'steward --help')\n";
    return kExitUsage;
  }
  if (!flags.token_file.empty()) {
    auto read = read_token(flags.token_file);
    if (!read || read->empty()) {
      std::cerr << "steward: cannot read a token from --token-file " << flags.token_file << "\n";
      return kExitFailure;
    }
    token = std::move(*read);
  }
  const Answer answer = get_status(target, flags, token);
  if (!answer.response) {
    std::cerr << "steward: cannot reach steward at " << target.address << ": " << answer.error
              << hint(target, answer) << "\n";
    return kExitFailure;
  }
  const auto& response = *answer.response;
  if (response.result() != http::status::ok) {
    std::string body = response.body().substr(0, 200);
    while (!body.empty() && body.back() == '\n') body.pop_back();
    std::cerr << "steward: " << target.address << " answered GET /status with "
              << response.result_int() << " " << response.reason() << ": " << body
              << hint(target, answer) << "\n";
    return kExitFailure;
  }
  std::string why;
  const auto status = parse_status(response.body(), why);
  if (!status) {
    std::cerr << "steward: the answer of " << target.address
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
                   "HOST:PORT of steward's metrics listener, where it serves /status; "
                   "https://HOST:PORT with --metrics-secure (in a cluster: kubectl port-forward "
                   "-n steward-system deploy/steward 8080)")
      ->capture_default_str()
      ->check([](const std::string& value) -> std::string {
        if (!parse_target(value)) {
          return "want HOST:PORT or https://HOST:PORT, such as 127.0.0.1:8080";
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
      ->check(CLI::Range(1, 3600));
  status->add_option("--token-file", flags->token_file,
                     "bearer token for a steward with --metrics-secure (https://): a token the API "
                     "server accepts, whose user may get the non-resource URL /status");
  auto* ca = status->add_option("--certificate-authority", flags->certificate_authority,
                                "with https://: the CA file that signed steward's certificate "
                                "(default: the system's CAs)");
  status->add_flag("--insecure-skip-tls-verify", flags->insecure_skip_tls_verify,
                   "with https://: do not check steward's certificate (the one it makes at "
                   "start cannot be checked)")
      ->excludes(ca);
  return [flags] { return run_status(*flags); };
}

}  // namespace steward::cmd
