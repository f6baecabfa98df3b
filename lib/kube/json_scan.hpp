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
  std::string error;             // non-empty: not valid JSON, with the offset
};

ScannedBody scan_body(std::string_view json);

}  // namespace steward::kube
