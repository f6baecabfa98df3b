#pragma once
// WatchDecoder: the body of a watch response turned into events as its bytes arrive.
//
// The body is a stream of JSON objects, one per line: {"type": ..., "object": {...}}. Bytes are fed
// in whatever pieces the connection delivers (a line may span many pieces, a piece may hold many
// lines). Invariants:
//  - the events do not depend on how the body was cut into pieces;
//  - each line is decoded on its own, in one pass that builds its object as a document of its own;
//  - a line of only spaces, tabs and CRs gives no event;
//  - a last line without a newline still counts once the body has ended (finish());
//  - work and memory are linear in the bytes fed, however the pieces fall.
// No I/O here: WatchStream (watch.hpp) reads the pieces, so this part is tested and fuzzed alone.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kube/api_error.hpp"
#include "kube/object.hpp"

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

class WatchDecoder {
 public:
  // Appends the next piece of the body.
  void feed(std::string_view piece);
  // The event of the next whole line fed so far; nullopt when it needs more bytes.
  std::optional<WatchEvent> next();
  // The body has ended (call it once next() gives nullopt): the event of a last line that had no
  // newline, if any. The decoder is empty afterwards.
  std::optional<WatchEvent> finish();

 private:
  std::string pending_;     // bytes fed and not yet given out as lines, from begin_ on
  std::size_t begin_ = 0;   // pending_[0, begin_) is consumed; dropped on the next feed()
  std::size_t scanned_ = 0;  // pending_[begin_, scanned_) has no newline
};

}  // namespace steward::kube
