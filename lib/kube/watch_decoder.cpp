#include "kube/watch_decoder.hpp"

#include "kube/json_scan.hpp"

namespace steward::kube {
namespace {

constexpr std::string_view kBlank = " \r\t";

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

WatchEvent line_too_long(std::size_t limit) {
  WatchEvent event;
  event.error = ApiError::transport_failure("watch event line longer than " +
                                            std::to_string(limit) + " bytes: the watch is ended");
  return event;
}

}  // namespace

WatchEvent decode_watch_event(std::string_view line) {
  ScannedBody scanned = scan_body(line);
  if (!scanned.error.empty()) return undecodable(scanned.error);
  const auto type = parse_type(scanned.type);
  if (!type) return undecodable("type \"" + scanned.type + "\"");
  // Built by the scan itself: the line is read once.
  std::shared_ptr<Object> object = std::move(scanned.event_object);
  if (!object) return undecodable("no object");

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

void WatchDecoder::feed(std::string_view piece) {
  if (ended_) return;
  // Lines already given out are dropped once per piece, not once per line: a piece holding many
  // small lines would otherwise move the rest of the buffer for each of them.
  pending_.erase(0, begin_);
  scanned_ -= begin_;
  begin_ = 0;
  pending_.append(piece);
}

std::optional<WatchEvent> WatchDecoder::next() {
  if (ended_) return std::nullopt;
  for (;;) {
    const auto newline = pending_.find('\n', scanned_);
    const std::size_t line_end = newline == std::string::npos ? pending_.size() : newline;
    if (line_end - begin_ > max_line_bytes_) {
      ended_ = true;
      std::string().swap(pending_);  // its memory too
      begin_ = scanned_ = 0;
      return line_too_long(max_line_bytes_);
    }
    if (newline == std::string::npos) {
      scanned_ = pending_.size();
      return std::nullopt;
    }
    const std::string_view line(pending_.data() + begin_, newline - begin_);
    begin_ = scanned_ = newline + 1;
    if (line.find_first_not_of(kBlank) != std::string_view::npos) return decode_watch_event(line);
  }
}

std::optional<WatchEvent> WatchDecoder::finish() {
  const std::string_view rest = std::string_view(pending_).substr(begin_);
  std::optional<WatchEvent> event;
  if (rest.find_first_not_of(kBlank) != std::string_view::npos) event = decode_watch_event(rest);
  pending_.clear();
  begin_ = scanned_ = 0;
  ended_ = false;
  return event;
}

}  // namespace steward::kube
