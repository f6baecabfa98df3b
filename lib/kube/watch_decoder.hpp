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
//  - work and memory are linear in the bytes fed, however the pieces fall;
//  - a line longer than `max_line_bytes` (its newline not counted) is an error event as soon as
//    that many of its bytes are fed, wherever the body was cut, and the decoder gives nothing
//    more until finish(): the watch is over (the reflector watches again after a backoff, as after
//    any watch error), and the bytes held never pass the limit by more than one piece.
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

// The API server takes at most 3 MiB in one request body and etcd stores at most 1.5 MiB per
// object, so a watch event is a few MiB at most; 64 MiB leaves room for any server-side growth
// (managedFields, a CRD's status) while a server or proxy gone wrong cannot grow the buffer
// without bound.
inline constexpr std::size_t kDefaultMaxWatchLineBytes = 64 * 1024 * 1024;

class WatchDecoder {
 public:
  explicit WatchDecoder(std::size_t max_line_bytes = kDefaultMaxWatchLineBytes)
      : max_line_bytes_(max_line_bytes) {}

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
  std::size_t max_line_bytes_;
  bool ended_ = false;  // a line was over the limit: nothing more is kept or given out
};

}  // namespace steward::kube
