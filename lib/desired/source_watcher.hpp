#pragma once
// SourceWatcher: tells when a source on disk has changed, so it is reloaded without a restart.
//
// One inotify descriptor for all sources, read on the caller's io_context (no thread of its own).
// Every relevant event marks its source dirty; a source is reported once its changes have been
// quiet for `debounce`, because one save is several events (an editor writes a temp file, renames
// it over the original and may chmod it; the kubelet creates a directory, writes files, swaps a
// symlink and removes the old directory) and one reload per save is enough.
//
// What is watched for a source path (recomputed whenever the directory structure changes):
//  - the directory holding the path, for events on its name: a file source is replaced by rename
//    (editors, `kubectl cp`, config management), and a directory source may be a symlink that is
//    swapped whole (git-sync's `--link`);
//  - every symlink on the way to the path and to what the symlinks point at, in the directory
//    holding the link: this is how a ConfigMap or Secret volume changes (see manifest_files.hpp
//    for its layout). The kubelet's atomic writer (k8s.io/kubernetes pkg/volume/util/
//    atomic_writer.go) writes the new files into a fresh `..<timestamp>` directory, points a new
//    `..data_tmp` symlink at it, renames that over `..data` (the atomic step) and then removes the
//    old directory; the visible `web.yaml -> ..data/web.yaml` links never change;
//  - for a directory source, the directory and every subdirectory the loader would read (dot-names
//    skipped, symlinks followed), including ones created later; plus `..data` in each of them;
//  - a path that does not exist yet: its nearest existing parent, for the next name on the way;
//    when it appears it is reported and watched properly.
// Events for names the loader never reads are ignored (`.web.yaml.swp`, `notes.txt` being edited),
// except where the name cannot be known to be irrelevant (a deleted entry may have been a link to
// a directory): a reload too many is cheap, a reload missed leaves the desired state stale.
// If the kernel's event queue overflows every source is reported.
// Not seen: a directory above the source path's own parent being renamed (deleting it is seen,
// through the watches it removes). A source that changes more often than every `debounce` is
// reported once it calms down.
//
// Guarantees:
//  - a change made after watch() returns is reported (so: watch, then load; never the reverse);
//  - the callback runs on an io_context thread, never twice at once, and never for a source after
//    unwatch() for it returned, or for any source after stop() returned: unwatch and stop wait for
//    a running callback. The callback may itself call watch, unwatch and stop. It should be quick
//    (queue the reload, do not load on the I/O thread) and must not throw.
// The io_context must outlive the SourceWatcher. watch, unwatch and stop may be called from any
// thread.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace steward::desired {

struct SourceWatcherOptions {
  // Quiet time after a source's last change before it is reported. 1 s: longer than the bursts an
  // editor save or a kubelet volume update makes, short enough that an edit shows up at once to a
  // person watching.
  std::chrono::milliseconds debounce{1000};
  // Problems setting up watches (the inotify watch limit reached, an unreadable directory): the
  // source is then watched only partly. Called as the callback is (never at the same time, never
  // after stop() returned), from the thread that called watch() or from an io_context thread.
  // `source` is "" for a problem of the whole watcher. Unset: ignored.
  std::function<void(const std::string& source, const std::string& message)> on_error;
};

class SourceWatcher {
 public:
  using Callback = std::function<void(const std::string& source_name)>;

  // Throws std::system_error if no inotify instance can be created (fs.inotify.max_user_instances).
  SourceWatcher(boost::asio::io_context& io, Callback on_change, SourceWatcherOptions options = {});
  ~SourceWatcher();  // stop()
  SourceWatcher(const SourceWatcher&) = delete;
  SourceWatcher& operator=(const SourceWatcher&) = delete;

  // Starts watching `path` (a file or a directory, existing or not) as source `name`; replaces an
  // earlier watch of the same name. Reports nothing by itself: the caller loads the source after.
  void watch(const std::string& name, const std::filesystem::path& path);
  void unwatch(const std::string& name);
  // Ends all watching; pending reports are dropped. The io_context's work for the watcher finishes
  // soon after (it holds no work once its handlers have run).
  void stop();

 private:
  struct Impl;  // Asio stays out of this header
  std::shared_ptr<Impl> impl_;  // shared with the Impl's pending handlers, which outlive stop()
};

}  // namespace steward::desired
