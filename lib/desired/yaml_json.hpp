#pragma once
// YAML text → JSON documents (kube::Object), keeping where each value came from.
//
// Rules (why: steward must read a manifest exactly as kubectl would, or refuse it):
//  - plain scalars resolve as Kubernetes' YAML decoder does (YAML 1.1 booleans: see
//    scalar_resolve.hpp); quoted and block scalars stay strings; the standard tags !!str, !!int,
//    !!float, !!bool, !!null, !!binary are honoured, any other tag is an error;
//  - merge keys (`<<: *base`) work as in go-yaml: explicit keys win, then earlier merged maps;
//  - non-string keys become strings as sigs.k8s.io/yaml makes them (`on:` → "true", `1:` → "1");
//  - a key twice in one mapping is an error (the YAML spec forbids it; go-yaml would silently
//    keep one, hiding an edit that did nothing);
//  - anchors and aliases are allowed, but every value counts each time an alias expands it, and a
//    document whose expansion exceeds `max_nodes` or whose nesting exceeds `max_depth` is
//    rejected: a few hundred bytes of nested aliases ("billion laughs") would otherwise expand to
//    gigabytes;
//  - a text holding more than `max_parsed_nodes` keys and values is refused before yaml-cpp
//    builds its tree (yaml_documents.hpp says why);
//  - NaN and infinities are errors (JSON cannot hold them);
//  - the text must be UTF-8.
// The first error in a document ends that document; later documents are still read so one load
// reports as many errors as it can. A YAML syntax error ends the whole stream (the parser cannot
// resynchronise).

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "desired/location.hpp"
#include "kube/object.hpp"

namespace steward::desired {

struct YamlOptions {
  // Values (mapping, sequence, scalar) one stream may expand to, aliases counted each time they are
  // used. 1,000,000 is far above any real manifest file (a 1 MiB ConfigMap is ~100k values) and
  // bounds the memory an alias bomb can take to a few hundred MiB at worst.
  std::size_t max_nodes = 1'000'000;
  // Keys and values written in the text, an alias once, counted before yaml-cpp builds its tree
  // (yaml_documents.hpp): that tree costs about 450 bytes a node, so 400,000 bound it near
  // 180 MiB, inside deploy/base's 512 MiB memory limit. The manifests in deploy/ average 22 bytes
  // a node: the largest object the API server stores (1.5 MiB, etcd's request limit) written like
  // them holds about 70,000, so a file of several such objects still loads.
  std::size_t max_parsed_nodes = 400'000;
  // Nesting depth of mappings and sequences. Kubernetes objects rarely pass 20; 200 keeps the
  // recursive conversion far from the stack limit.
  int max_depth = 200;
  // Values at most this deep get their position recorded (4 reaches /items/N/metadata/name of a
  // List); deeper values report the position of their nearest recorded ancestor.
  int position_depth = 4;
};

// One YAML document converted to JSON.
struct JsonDocument {
  std::shared_ptr<kube::Object> json;  // the document's root value, in its own pool
  Mark start;                          // where the document's root value starts
  // Positions of values by JSON pointer ("" is the root, "/metadata/name").
  std::unordered_map<std::string, Mark> positions;

  // Position of the value at `pointer`, or of its nearest recorded ancestor.
  Mark at(std::string_view pointer) const;
};

struct YamlStream {
  std::vector<JsonDocument> documents;  // empty and null documents are left out
  std::vector<Diagnostic> errors;
};

// Converts every document of `text`; `file` names the text in positions and errors.
YamlStream yaml_to_json(std::string_view text, const std::string& file,
                        const YamlOptions& options = {});

// JSON pointer escaping of one reference token ("~" → "~0", "/" → "~1").
std::string json_pointer_token(std::string_view key);

}  // namespace steward::desired
