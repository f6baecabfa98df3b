#pragma once
// WatchStream: the events of one watch request, decoded as they arrive.
//
// The body is a stream of JSON objects, one per line: {"type": ..., "object": {...}}. Pieces of the
// body are split into lines as they come (a line may span many reads); each event's object is
// parsed from its own bytes into its own document. A read that brings nothing for `idle_timeout`
// ends the stream with an error: a half-open connection must not hang a watch forever.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "kube/api_error.hpp"
#include "kube/object.hpp"
#include "kube/transport.hpp"

namespace steward::kube {

struct WatchEvent {
  enum class Type {
    added,
    modified,
    deleted,
    bookmark,  // only metadata.resourceVersion is meaningful: where to resume
    error,     // `error` says what; a 410 here means "re-list"
  };
  Type type = Type::error;
  std::shared_ptr<Object> object;  // for every type but error
  std::optional<ApiError> error;   // for Type::error
};

// Decodes one line of a watch body. An undecodable line gives an error event.
WatchEvent decode_watch_event(std::string_view line);

class WatchStream {
 public:
  WatchStream(std::unique_ptr<ResponseStream> stream, std::chrono::milliseconds idle_timeout);

  // The next event; nullopt when the stream ended, with `ended_error()` saying whether it ended
  // cleanly (the server's timeout: nullopt) or not.
  boost::asio::awaitable<std::optional<WatchEvent>> next();
  const std::optional<ApiError>& ended_error() const { return ended_error_; }

  // Ends the stream from any thread; a pending next() returns nullopt.
  void close() { stream_->close(); }

 private:
  std::unique_ptr<ResponseStream> stream_;
  const std::chrono::milliseconds idle_timeout_;
  std::string pending_;        // bytes received that do not form a whole line yet
  std::size_t scanned_ = 0;    // pending_[0, scanned_) has no newline
  std::optional<ApiError> ended_error_;
};

}  // namespace steward::kube
