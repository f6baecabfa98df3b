#pragma once
// WatchStream: the events of one watch request, decoded as they arrive.
//
// Reads the body piece by piece and hands the pieces to a WatchDecoder (watch_decoder.hpp), which
// splits them into lines and decodes each line as one event. A read that brings nothing for
// `idle_timeout` ends the stream with a timeout (went_idle()): a half-open connection must not
// hang a watch forever.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "kube/api_error.hpp"
#include "kube/transport.hpp"
#include "kube/watch_decoder.hpp"

namespace steward::kube {

class WatchStream {
 public:
  WatchStream(std::unique_ptr<ResponseStream> stream, std::chrono::milliseconds idle_timeout);

  // The next event; nullopt when the stream ended, with `ended_error()` saying whether it ended
  // cleanly (the server's timeout: nullopt) or not.
  boost::asio::awaitable<std::optional<WatchEvent>> next();
  const std::optional<ApiError>& ended_error() const { return ended_error_; }
  // Whether it ended because nothing arrived within the idle deadline: the connection is taken
  // for dead, though the server may not have failed (it may have sent no bookmark in time).
  bool went_idle() const { return ended_error_ && ended_error_->is_timeout(); }

  // Ends the stream from any thread; a pending next() returns nullopt.
  void close() { stream_->close(); }

 private:
  std::unique_ptr<ResponseStream> stream_;
  const std::chrono::milliseconds idle_timeout_;
  WatchDecoder decoder_;
  std::optional<ApiError> ended_error_;
};

}  // namespace steward::kube
