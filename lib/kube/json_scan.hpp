#pragma once
// JSON scanning for list and watch bodies: ONE pass over the text that reads the few scalars
// around the objects (kind, apiVersion, resourceVersion, continue, a watch event's type) and builds
// each list item, and a watch event's object, as a document of its own straight from the tokens as
// they are read. The text is tokenised once; no document is ever built for the whole body, so a
// 50 MB list is never held as text and as one big tree at the same time, and each item can be
// taken (transformed, frozen, its document freed) before the next one is built.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kube/object.hpp"

namespace steward::kube {

// Containers nested deeper than this make a body invalid. Without a limit RapidJSON's recursive
// parser overflows an 8 MiB stack on a line of about 6,000 '[' in GCC's ASan build (30,000 in
// clang's, 200,000 in a plain -O2 build), and one watch or list body would crash steward instead
// of failing one request. Real objects nest a few dozen levels (a CRD's schema is among the
// deepest); 1,000 leaves them ample room and keeps every recursive walk of an object (the
// parser, copies, the drift rule) within a few MiB of stack in any build. The API server's own
// decoder (Go's encoding/json) stops at 10,000, so an object between the two is refused here.
inline constexpr int kMaxJsonDepth = 1'000;

struct ByteRange {
  std::size_t begin = 0;
  std::size_t end = 0;  // one past the last byte
  bool empty() const { return end == begin; }
};

struct ScannedBody {
  std::string kind;              // top-level "kind"
  std::string api_version;       // top-level "apiVersion"
  std::string type;              // top-level "type" (watch events)
  std::string resource_version;  // metadata.resourceVersion
  std::string continue_token;    // metadata.continue
  // Where each item lies in the body: each object (or array) element of the top-level "items".
  std::vector<ByteRange> items;
  ByteRange object;  // where the top-level "object" member lies (watch events), if an object
  std::shared_ptr<Object> event_object;  // that member, built as a document of its own
  std::string error;  // non-empty: not valid JSON (or too deep), with the offset
};

// Takes each list item as soon as its closing bracket has been read, built as a document of its
// own. `list` is the body as far as it has been scanned, and has its kind and apiVersion when the
// body has them: an item read before both were seen is held back until the whole body has been
// (servers write them first, so nothing is held). It may be called for items of a body that turns
// out broken further on (the scan's `error` then says so).
using ItemSink = std::function<void(std::shared_ptr<Object> item, const ScannedBody& list)>;

// Scans `json`. Items are built only for `on_item` (without it only their ranges are recorded);
// the top-level "object" member is always built into `event_object`.
ScannedBody scan_body(std::string_view json, const ItemSink& on_item = {});

}  // namespace steward::kube
