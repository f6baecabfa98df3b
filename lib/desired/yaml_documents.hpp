#pragma once
// Every document of a YAML stream as yaml-cpp nodes: YAML::LoadAll, without its endless loop and
// without building a tree too large to hold.
//
// yaml-cpp 0.7 (Debian bookworm's) never returns from LoadAll on a stream holding a ',' outside
// any [ ] or { } — `{"kind": "ConfigMap"},`, a JSON object with a trailing comma, is enough. Its
// parser hands out a null document for a token it cannot place without consuming the token, so
// LoadAll collects null documents forever and its memory grows until the process is killed
// (yaml-cpp issue #1040, fixed upstream after 0.8 by PR #1319). Here the stream is walked once
// without building nodes; a document that starts where the previous one started means the parser
// is stuck, and is a syntax error at that place instead.
//
// The same walk checks what would be costly or wrong to find later:
//  - the nodes the text holds (keys and values; an alias counts once, it is not expanded here).
//    yaml-cpp's tree costs about 450 bytes a node (measured on this yaml-cpp: a 2 MB flow
//    sequence of 1,000,000 numbers took 457 MiB to load, 1,000,000 `key: value` lines 924 MiB),
//    so a few megabytes of `[0,0,0,...` would take gigabytes: past `max_nodes` the text is
//    refused before any tree is built;
//  - nesting: a mapping or sequence deeper than `max_depth` is refused at once, at the first one
//    too deep (yaml-cpp's own guard stops at a few hundred levels, saying only "bad file");
//  - quoted scalars must be closed: yaml-cpp 0.7 ends a quoted scalar at the end of the stream
//    without an error when a line break comes first, so `name: "web` swallowed the rest of the
//    file as one string;
//  - an unclosed `[` or `{` is reported where it opens, not at the end of the stream.
// A refusal ends the whole stream, as a syntax error does.
//
// Used by everything that reads multi-document YAML (manifests, the StewardConfig file); a single
// YAML::Load reads one document only and is not affected.

#include <cstddef>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace steward::desired {

// Thrown when the text passes a limit (nodes, nesting): not a syntax error, a refusal.
class LimitExceeded : public YAML::Exception {
 public:
  using YAML::Exception::Exception;
};

// The documents of `text`; throws YAML::ParserException (with the place) on a syntax error, and
// LimitExceeded at the first node past `max_nodes` or deeper than `max_depth` (root: 0).
// (YamlOptions in yaml_json.hpp holds the limits manifests and the StewardConfig are read with.)
std::vector<YAML::Node> load_yaml_documents(const std::string& text, std::size_t max_nodes,
                                            int max_depth);

}  // namespace steward::desired
