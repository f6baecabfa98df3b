#pragma once
// Every document of a YAML stream as yaml-cpp nodes: YAML::LoadAll, without its endless loop.
//
// yaml-cpp 0.7 (Debian bookworm's) never returns from LoadAll on a stream holding a ',' outside
// any [ ] or { } — `{"kind": "ConfigMap"},`, a JSON object with a trailing comma, is enough. Its
// parser hands out a null document for a token it cannot place without consuming the token, so
// LoadAll collects null documents forever and its memory grows until the process is killed
// (yaml-cpp issue #1040, fixed upstream after 0.8 by PR #1319). Here the stream is walked once
// without building nodes; a document that starts where the previous one started means the parser
// is stuck, and is a syntax error at that place instead.
//
// Used by everything that reads multi-document YAML (manifests, the StewardConfig file); a single
// YAML::Load reads one document only and is not affected.

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace steward::desired {

// The documents of `text`; throws YAML::ParserException (with the place) on a syntax error.
std::vector<YAML::Node> load_yaml_documents(const std::string& text);

}  // namespace steward::desired
