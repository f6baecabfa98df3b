#pragma once
// WatchPlan: the directories the source watcher watches for one source path, and why; and what an
// inotify event in one of them means for the source. A function of the filesystem as it is now:
// the watcher makes a new plan whenever an event says the source's structure changed. The rules
// are listed in source_watcher.hpp ("What is watched"); the directories of a directory source are
// the ones walk_manifest_tree reads (manifest_files.hpp), so loader and watcher agree on them.
//
// No inotify descriptor here, only paths and event masks: the watcher owns the watches.

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace steward::desired {

// Why one source watches one directory: all of it (a directory source's tree), and/or some names
// in it (the source path itself, a symlink on the way to it, a path that does not exist yet).
struct Interest {
  bool tree = false;
  std::set<std::string> names;

  void merge(const Interest& other);
};

// What an event means for a source, in increasing order.
enum class Relevance {
  kNone,
  kContent,    // a file's content changed: report the source
  kStructure,  // names or links changed: report the source and recompute its watches
};

// What the inotify event `mask` on entry `name` ("" for the watched directory itself) of the
// directory `dir` means for a source with `interest` in that directory.
Relevance relevance(const std::filesystem::path& dir, const Interest& interest,
                    const std::string& name, std::uint32_t mask);

class WatchPlan {
 public:
  // `source`: absolute and lexically normal.
  explicit WatchPlan(const std::filesystem::path& source);

  const std::map<std::filesystem::path, Interest>& dirs() const { return dirs_; }
  // Directories that could not be listed: the source is then watched only partly.
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  class TreeVisitor;

  void add_name(const std::filesystem::path& dir, const std::filesystem::path& name);
  void follow(const std::filesystem::path& path);

  std::map<std::filesystem::path, Interest> dirs_;
  std::vector<std::string> errors_;
  int links_left_;  // symlinks follow() may still follow (kMaxSymlinks)
};

}  // namespace steward::desired
