#include "kube/watch.hpp"

#include "kube/json_scan.hpp"

namespace steward::kube {
namespace {

std::optional<WatchEvent::Type> parse_type(std::string_view type) {
  if (type == "ADDED") return WatchEvent::Type::added;
  if (type == "MODIFIED") return WatchEvent::Type::modified;
  if (type == "DELETED") return WatchEvent::Type::deleted;
  if (type == "BOOKMARK") return WatchEvent::Type::bookmark;
  if (type == "ERROR") return WatchEvent::Type::error;
  return std::nullopt;
}

WatchEvent undecodable(std::string what) {
  WatchEvent event;
  event.error = ApiError::transport_failure("undecodable watch event: " + what);
  return event;
}

}  // namespace

WatchEvent decode_watch_event(std::string_view line) {
  const ScannedBody scanned = scan_body(line);
  if (!scanned.error.empty()) return undecodable(scanned.error);
  const auto type = parse_type(scanned.type);
  if (!type) return undecodable("type \"" + scanned.type + "\"");
  if (scanned.object.empty()) return undecodable("no object");
  auto object = parse_object(line.substr(scanned.object.begin, scanned.object.end - scanned.object.begin));
  if (object->HasParseError()) return undecodable("object is not JSON");

  WatchEvent event;
  event.type = *type;
  if (*type == WatchEvent::Type::error) {
    // The object is a Status, e.g. 410 Expired when the requested version is too old.
    auto error = ApiError::from_status(*object, 500);
    event.error = error ? std::move(*error)
                        : ApiError::transport_failure("watch ERROR event without a Status");
    return event;
  }
  event.object = std::move(object);
  return event;
}

WatchStream::WatchStream(std::unique_ptr<ResponseStream> stream,
                         std::chrono::milliseconds idle_timeout)
    : stream_(std::move(stream)), idle_timeout_(idle_timeout) {}

boost::asio::awaitable<std::optional<WatchEvent>> WatchStream::next() {
  for (;;) {
    const auto newline = pending_.find('\n', scanned_);
    if (newline != std::string::npos) {
      const std::string_view line(pending_.data(), newline);
      std::optional<WatchEvent> event;
      if (line.find_first_not_of(" \r\t") != std::string_view::npos) {
        event = decode_watch_event(line);
      }
      pending_.erase(0, newline + 1);
      scanned_ = 0;
      if (event) co_return event;
      continue;
    }
    scanned_ = pending_.size();
    auto piece = co_await stream_->read_some(idle_timeout_);
    if (piece.error) {
      ended_error_ = std::move(piece.error);
      co_return std::nullopt;
    }
    if (piece.data.empty()) {
      // The server ended the stream. A last event without a newline still counts.
      if (pending_.find_first_not_of(" \r\t\n") != std::string::npos) {
        WatchEvent event = decode_watch_event(pending_);
        pending_.clear();
        scanned_ = 0;
        co_return event;
      }
      co_return std::nullopt;
    }
    pending_.append(piece.data);
  }
}

}  // namespace steward::kube
