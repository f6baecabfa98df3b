#pragma once
// Transport: HTTP/1.1 to one API server over TLS or plain TCP, on Boost.Beast.
//
// One attempt per call: no retries, throttling or circuit breaking here (Client does those).
//   round_trip()   a request on a pooled keep-alive connection; the whole response is read.
//                  At most `pool_size` pooled connections exist, in use or idle: a request that
//                  finds them all busy waits for one. A pooled connection the server has meanwhile
//                  closed is detected and the request is sent once more on a fresh connection
//                  (nothing was processed). One idle for `idle_timeout` is closed, not reused.
//   open_stream()  a request on a connection of its own (a watch), whose body is then read piece by
//                  piece: a long-lived stream never holds a pooled connection, nor counts towards
//                  the pool, so any number of watches cannot starve the other requests.
// Deadlines: connect (TCP + TLS handshake), request (from the call until the whole response is
// read, waiting for a pooled connection included), and for streams an idle deadline per read, so
// a half-open TCP connection cannot hang a watch forever. A deadline that passes is an
// ApiError::timeout. TCP keepalive is on for every connection, probing after 30 s idle, every
// 10 s, 3 times: a peer that vanished is found in about a minute even where no deadline runs.
//
// TLS: at least 1.2; the server is verified against the configured CA (or the system store when no
// CA is configured) and its name (tls-server-name, else the URL's host, IP addresses included),
// unless insecure-skip-tls-verify is set. A client certificate from the config is presented.
//
// All work runs on the io_context given to the constructor; any number of threads may run it.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.hpp"
#include "kube/api_error.hpp"
#include "kube/http_message.hpp"
#include "kube/rest_config.hpp"

namespace boost::asio {
class io_context;
}

namespace steward::kube {

struct TransportOptions {
  // TCP connect plus TLS handshake.
  std::chrono::milliseconds connect_timeout{10'000};
  // A non-streaming request, from the call until its whole response is read (waiting for a pooled
  // connection included). Generous: a page of 500 large objects from a loaded server can take a
  // while.
  std::chrono::milliseconds request_timeout{60'000};
  // Pooled connections unused this long are closed (Go's http.Transport IdleConnTimeout: 90 s).
  std::chrono::milliseconds idle_timeout{90'000};
  // Most pooled connections to the server, in use or idle (watches not counted). 16: beyond the
  // handful of workers and informers that request at once, more connections would only move the
  // queue from steward into the server. client-go keeps up to 25 idle per host (transport/cache.go,
  // idleConnsPerHost) but multiplexes on HTTP/2; HTTP/1.1 needs a connection per request in flight.
  std::size_t pool_size = 16;
  // Largest response body accepted (a list page); larger answers fail rather than exhaust memory.
  std::size_t max_body_bytes = 512u << 20;
  std::string user_agent = "steward";
};

// The outcome of one attempt: a response (any status), or `error` when there was none.
struct TransportResult {
  std::optional<ApiError> error;
  HttpResponse response;
};

// A response whose body is read as it arrives (a watch stream).
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Status and headers; the body is read with read_some().
  virtual const HttpResponse& head() const = 0;
  // The next piece of the body. Empty with no error: the server ended the stream. An
  // ApiError::timeout when nothing arrived within `idle_timeout`; another error when the
  // connection broke or close() was called.
  struct Piece {
    std::string_view data;  // valid until the next read_some()
    std::optional<ApiError> error;
  };
  virtual boost::asio::awaitable<Piece> read_some(std::chrono::milliseconds idle_timeout) = 0;
  // Ends the stream from any thread; a pending read_some() completes with an error.
  virtual void close() = 0;
};

struct StreamResult {
  std::optional<ApiError> error;
  std::unique_ptr<ResponseStream> stream;  // set when error is empty
};

// Ends one round_trip from another thread (a WriteFence closing): cancel() shuts the request's
// connection down, so a write or read in progress fails at once, and round_trip sends nothing
// more (no fresh connection, no second attempt). A shutdown(2) on the socket, not an Asio call:
// the socket is busy on its own strand, and the kernel call is safe from any thread while the
// connection is attached (round_trip detaches it before it closes or pools it).
class RequestCancel {
 public:
  RequestCancel() = default;
  RequestCancel(const RequestCancel&) = delete;
  RequestCancel& operator=(const RequestCancel&) = delete;

  void cancel();  // any thread; idempotent
  bool cancelled() const;

  // For round_trip: the socket the request is about to use; false (nothing attached) when already
  // cancelled. detach() answers whether cancel() came meanwhile (the socket is then shut down).
  bool attach(int socket);
  bool detach();

 private:
  mutable std::mutex mu_;
  int socket_ = -1;
  bool cancelled_ = false;
};

class Transport {
 public:
  // Throws std::runtime_error when the TLS settings cannot be used (bad CA or client key PEM).
  // `clock` measures how long connections sit idle (tests move a FakeClock past idle_timeout); the
  // connect and request deadlines are Asio timers on the steady clock, which must wake I/O.
  Transport(boost::asio::io_context& io, const RestConfig& config, TransportOptions options = {},
            const base::Clock& clock = base::SteadyClock::instance());
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // `cancel`, when given, may end the request from another thread (see RequestCancel); the result
  // is then an error.
  boost::asio::awaitable<TransportResult> round_trip(const HttpRequest& request,
                                                     RequestCancel* cancel = nullptr);
  boost::asio::awaitable<StreamResult> open_stream(const HttpRequest& request);

  // host:port of the server, as the metrics' `host` label.
  const std::string& host() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steward::kube
