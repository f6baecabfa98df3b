#pragma once
// Loading one source: files → YAML documents → validated objects with keys and places.
//
// All or nothing: a source with any error yields no objects, so a half-edited directory never
// becomes the desired state (and never causes a prune). Errors are collected, up to a limit, so one
// `steward validate` run shows every mistake, each as `path:line:column: message`.
//
// Per object:
//  - `kind: *List` with an `items` array (e.g. `v1/List`, as `kubectl get -o yaml` writes) is
//    replaced by its items, recursively, as kubectl does;
//  - apiVersion, kind and metadata.name are required strings; the name must pass the kind's name
//    rule (object_rules.hpp); metadata.namespace is a string, metadata.labels and
//    metadata.annotations are mappings of strings (the API server's ObjectMeta types: a number
//    there is a 400 at apply time, and steward writes its own label and annotation into them);
//  - a file larger than `max_file_bytes` is an error at the file, and is not read;
//  - a source listing more than `max_files` files, or more than `max_total_bytes` in all, is an
//    error at the source, and none of its files is read;
//  - scope comes from the `is_namespaced` callback (discovery): namespaced objects without a
//    namespace get the source's default namespace; cluster-scoped objects lose a namespace written
//    on them (the API server ignores it, so keeping it would look like drift forever); when the
//    callback does not know the kind (nullopt, e.g. a CRD defined in the same source) the object
//    stays as written and is marked scope_unknown;
//  - two objects with the same key (group, kind, namespace, name) anywhere in the source are an
//    error naming both places.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "desired/desired_object.hpp"
#include "desired/location.hpp"
#include "desired/yaml_json.hpp"

namespace steward::desired {

// true: namespaced, false: cluster-scoped, nullopt: the kind is not known (yet).
using ScopeFunc =
    std::function<std::optional<bool>(std::string_view api_version, std::string_view kind)>;

struct SourceSpec {
  std::string name;            // names the source in annotations, metrics and status
  std::filesystem::path path;  // a file or a directory
  // Namespace for namespaced objects written without one; "default", as kubectl uses with no
  // context namespace.
  std::string default_namespace = "default";
  // The id of the source's ApplySet (applyset.hpp), which every object's apply body is labelled
  // with; empty: no label (a load that applies nothing, such as `steward validate`).
  std::string applyset;
};

struct LoaderOptions {
  YamlOptions yaml;
  // Errors collected before a load gives up; enough to fix a broken directory in one pass without
  // flooding the log when a whole tree is wrong.
  std::size_t max_errors = 100;
  // Bytes one manifest file may hold. kube-apiserver takes at most 3 MiB in one request body and
  // etcd stores at most 1.5 MiB per object (k8s.io/apiserver/pkg/server/config.go,
  // MaxRequestBodyBytes), so 8 MiB holds a bundle of several of the largest objects. A runaway
  // file (a log written into the source folder, a generator gone wrong) is refused before it is
  // read rather than taking the controller's memory: yaml-cpp needed about 190 MiB beyond the
  // text to load one 64 MiB scalar.
  std::uintmax_t max_file_bytes = 8 * 1024 * 1024;
  // Manifest files one source may list, and the bytes they may hold in all; checked on the
  // listing, before any file is read, so a source pointed at the wrong folder (a home directory, a
  // checkout with vendored charts) fails at once instead of parsing for minutes. A large GitOps
  // folder holds a few thousand files, so 10,000 leaves room. 64 MiB is eight of the largest files
  // and a hundred times a large real source; with yaml-cpp's overhead (about three times the
  // text, see above) a load at the limit still fits the deployment's 512 MiB memory limit.
  std::size_t max_files = 10'000;
  std::uintmax_t max_total_bytes = 64 * 1024 * 1024;
  // Unset: every kind's scope is unknown (objects kept as written, marked scope_unknown).
  ScopeFunc is_namespaced;
};

struct SourceLoad {
  std::string source;
  std::vector<DesiredObjectPtr> objects;  // in file order, then document order; empty on error
  std::vector<Diagnostic> errors;
  std::size_t files = 0;  // files read
  bool ok() const { return errors.empty(); }
};

SourceLoad load_source(const SourceSpec& spec, const LoaderOptions& options = {});

// Loads manifests from `text` as if read from `file` (used by load_source, and by tests and
// `steward validate` on stdin). Objects are appended to `load`, errors too.
void load_text(std::string_view text, const std::string& file, const SourceSpec& spec,
               const LoaderOptions& options, SourceLoad& load);

// An error for each object of `load` whose key an earlier one has, naming both places.
void check_duplicates(SourceLoad& load);

// Writes `ns` as the object's metadata.namespace, or removes it when `ns` is empty: how the scope
// rules above edit an object (desired/rescope.hpp edits later ones the same way).
void set_namespace(kube::Object& object, std::string_view ns);

}  // namespace steward::desired
