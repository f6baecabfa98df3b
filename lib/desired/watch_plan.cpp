#include "desired/watch_plan.hpp"

#include <sys/inotify.h>

#include <string_view>
#include <system_error>

#include "desired/manifest_files.hpp"

namespace steward::desired {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kContentEvents = IN_MODIFY | IN_CLOSE_WRITE;
constexpr std::uint32_t kNameEvents = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO;

// Symlinks followed while working out one source's watches: the kernel's own limit for one path
// lookup (MAXSYMLINKS), so a link cycle ends the walk instead of looping.
constexpr int kMaxSymlinks = 40;

// The symlink a ConfigMap or Secret volume's atomic writer swaps to publish a new version: the
// kubelet renames a fresh `..data_tmp` over it (k8s.io/kubernetes
// pkg/volume/util/atomic_writer.go).
constexpr std::string_view kAtomicWriterDataDir = "..data";

Relevance stronger(Relevance a, Relevance b) {
  return static_cast<int>(a) < static_cast<int>(b) ? b : a;
}

// An event in a directory of a directory source's tree, named `name` (never empty).
Relevance tree_relevance(const fs::path& dir, const std::string& name, std::uint32_t mask) {
  if (name == kAtomicWriterDataDir) return Relevance::kStructure;
  // The loader skips these: editors' swap and temp files, the atomic writer's `..<timestamp>`
  // directories and `..data_tmp`. An editor's `.web.yaml.tmp` renamed over `web.yaml` is seen as
  // the IN_MOVED_TO of `web.yaml`.
  if (is_hidden_name(name)) return Relevance::kNone;
  if (mask & IN_ISDIR) return Relevance::kStructure;
  if (is_manifest_name(name)) {
    // A new name may be a symlink whose target needs watching.
    return (mask & kNameEvents) ? Relevance::kStructure : Relevance::kContent;
  }
  // Other names matter only as symlinks to directories (IN_ISDIR is not set for symlinks).
  if (mask & (IN_CREATE | IN_MOVED_TO)) {
    std::error_code ec;
    return fs::is_directory(dir / name, ec) ? Relevance::kStructure : Relevance::kNone;
  }
  // Gone: it may have been a link to a directory, and that can no longer be asked.
  if (mask & (IN_DELETE | IN_MOVED_FROM)) return Relevance::kStructure;
  return Relevance::kNone;  // content or mode of a file the loader does not read
}

}  // namespace

void Interest::merge(const Interest& other) {
  tree = tree || other.tree;
  names.insert(other.names.begin(), other.names.end());
}

Relevance relevance(const fs::path& dir, const Interest& interest, const std::string& name,
                    std::uint32_t mask) {
  // No name: the event is about the watched directory itself (deleted, moved, chmod-ed).
  if (name.empty()) return Relevance::kStructure;
  Relevance result = Relevance::kNone;
  if (interest.names.count(name)) {
    result = (mask & kContentEvents) ? Relevance::kContent : Relevance::kStructure;
  }
  if (interest.tree) result = stronger(result, tree_relevance(dir, name, mask));
  return result;
}

// The directories list_manifest_files reads below the source, each watched as a tree.
class WatchPlan::TreeVisitor : public ManifestTreeVisitor {
 public:
  explicit TreeVisitor(WatchPlan& plan) : plan_(plan) {}

  void directory(const fs::path& dir) override { plan_.dirs_[dir].tree = true; }
  // A link's target can change without an event in this directory (the atomic writer's
  // `web.yaml -> ..data/web.yaml`, or a link out of the tree).
  void symlink(const fs::path& entry) override { plan_.follow(entry); }
  void failed(const fs::path& path, const std::error_code& ec, WalkFailure what) override {
    if (what == WalkFailure::kList) {
      plan_.errors_.push_back("cannot list " + path.string() + ": " + ec.message());
    }
  }

 private:
  WatchPlan& plan_;
};

WatchPlan::WatchPlan(const fs::path& source) : links_left_(kMaxSymlinks) {
  follow(source);
  std::error_code ec;
  if (fs::is_directory(fs::status(source, ec))) {
    TreeVisitor visitor(*this);
    walk_manifest_tree(source, visitor);
  }
}

void WatchPlan::add_name(const fs::path& dir, const fs::path& name) {
  dirs_[dir].names.insert(name.string());
}

// Watches the directory holding each component of `path` that is a symlink or missing, and the
// one holding the last component, for that name; then does the same for each symlink's target.
// So a change anywhere on the way is seen: a symlink swapped (`..data`, git-sync's link), a
// missing directory created.
void WatchPlan::follow(const fs::path& path) {
  fs::path prefix = path.root_path();
  for (const fs::path& part : path.relative_path()) {
    if (part.empty()) continue;  // a trailing separator
    const fs::path next = prefix / part;
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(next, ec);
    if (ec || !fs::exists(status)) {
      // Not there (yet), or not reachable: its parent says when that changes.
      add_name(prefix, part);
      return;
    }
    if (fs::is_symlink(status)) {
      add_name(prefix, part);
      const fs::path target = fs::read_symlink(next, ec);
      if (!ec && links_left_-- > 0) {
        // Relative targets are relative to the link's directory as the kernel resolves it.
        fs::path base = fs::canonical(prefix, ec);
        if (ec) base = prefix;
        follow((base / target).lexically_normal());
      }
    }
    prefix = next;
  }
  if (path.has_filename()) add_name(path.parent_path(), path.filename());
}

}  // namespace steward::desired
