#pragma once
// JSON scanning for list and watch bodies: one pass over the text that finds where each list item
// (or a watch event's object) starts and ends, plus the few scalars around them, without building a
// document for the whole body. Each object is then parsed from its own byte range into its own
// document, so a 50 MB list is never held as text and as one big tree at the same time.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

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
  std::vector<ByteRange> items;  // each object element of the top-level "items" array
  ByteRange object;              // the top-level "object" member (watch events), if an object
  std::string error;             // non-empty: not valid JSON (or too deep), with the offset
};

ScannedBody scan_body(std::string_view json);

}  // namespace steward::kube
