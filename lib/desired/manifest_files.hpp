#pragma once
// Which files make up a source: the file itself, or every `*.yaml`, `*.yml` and `*.json` below a
// directory, recursively, in path order (so loads, errors and apply order are reproducible).
//
// Names starting with '.' are skipped: editors' swap and temp files (`.web.yaml.swp`), and the
// machinery of a Kubernetes ConfigMap/Secret volume, which looks like
//     web.yaml -> ..data/web.yaml
//     ..data -> ..2024_05_01_10_00_00.123456789      (swapped atomically on update)
//     ..2024_05_01_10_00_00.123456789/web.yaml       (the real file)
// Skipping the dot-names and following the visible symlinks reads each file once, under the name
// the user wrote. Symlinks are followed, and a file or directory reached twice (two links to one
// target, or a cycle) is read once, under the first name in path order.
//
// A symlink to a directory or a manifest file may not lead out of the source's folder: its target,
// resolved, must lie below the resolved root (so the `..data` layout above, and a source named
// through a symlink such as git-sync's, are fine). One that leads out is an error at the link and
// is not followed: a source is what its folder holds, and a link to `/` or to another team's
// folder would make it read whatever is there (and, with pruning, apply it).
//
// These rules are walk_manifest_tree's alone: the loader (list_manifest_files) and the source
// watcher (which directories to watch) both see a directory source through it.

#include <filesystem>
#include <string_view>
#include <system_error>
#include <vector>

#include "desired/location.hpp"

namespace steward::desired {

struct ManifestFiles {
  std::vector<std::filesystem::path> files;  // as reached through the source path
  std::vector<Diagnostic> errors;            // unreadable directories, broken links, a missing source
};

ManifestFiles list_manifest_files(const std::filesystem::path& source);

// True for the extensions a directory source reads.
bool is_manifest_name(const std::filesystem::path& path);
// True for the names a directory source skips, whatever they are.
bool is_hidden_name(std::string_view name);

// What went wrong at a path of the walk; the walk goes on with the next entry.
enum class WalkFailure {
  kList,     // a directory could not be listed: none of its entries is visited
  kRead,     // an entry's type could not be read (a broken symlink, an entry gone meanwhile)
  kResolve,  // a directory's canonical path could not be worked out: it is not walked
};

// Whether `path` is `root` or below it, both canonical: compared component by component, so
// `/src/app` is not below `/src/a`.
bool is_within(const std::filesystem::path& root, const std::filesystem::path& path);

// What walk_manifest_tree reports. Every path is as reached through the walk's root (symlinks
// not resolved), so a path names what the user wrote.
class ManifestTreeVisitor {
 public:
  virtual ~ManifestTreeVisitor() = default;
  // A directory whose entries are read: once per directory, however many links reach it, before
  // its entries.
  virtual void directory(const std::filesystem::path& /*dir*/) {}
  // A visible entry that is a symlink, whatever it points at (even nothing, or a directory
  // already walked): what it points at can change without the entry changing.
  virtual void symlink(const std::filesystem::path& /*entry*/) {}
  // A regular file with a manifest name. Two links to one file are two calls: which one counts is
  // the visitor's business.
  virtual void manifest(const std::filesystem::path& /*file*/) {}
  virtual void failed(const std::filesystem::path& /*path*/, const std::error_code& /*ec*/,
                      WalkFailure /*what*/) {}
  // A visible symlink to a directory or a manifest file whose target (`resolved`, canonical) lies
  // outside the walk's root: not followed. symlink() was called for it first.
  virtual void escapes(const std::filesystem::path& /*entry*/,
                       const std::filesystem::path& /*resolved*/) {}
};

// Walks the directory `dir` recursively by the rules above: each directory's entries in path
// order, dot-names skipped, symlinks followed as long as they stay below `dir`, each directory
// once (by canonical path, so a cycle ends).
void walk_manifest_tree(const std::filesystem::path& dir, ManifestTreeVisitor& visitor);

}  // namespace steward::desired
