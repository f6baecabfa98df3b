#include "desired/source_watcher.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "desired/manifest_files.hpp"

namespace steward::desired {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// What can change what a source reads. IN_MODIFY as well as IN_CLOSE_WRITE: a long write keeps
// pushing the report back, so a half-written file is not loaded. IN_ATTRIB: chmod (a file becoming
// readable) and `touch`. The *_SELF events: the watched directory itself was deleted or moved.
// IN_ONLYDIR: everything watched is a directory; one replaced by a file meanwhile fails the watch
// instead of silently watching the file.
constexpr std::uint32_t kWatchMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE |
                                     IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF |
                                     IN_MOVE_SELF | IN_ONLYDIR;
constexpr std::uint32_t kContentEvents = IN_MODIFY | IN_CLOSE_WRITE;
constexpr std::uint32_t kNameEvents = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO;

// Symlinks followed while working out one source's watches: the kernel's own limit for one path
// lookup (MAXSYMLINKS), so a link cycle ends the walk instead of looping.
constexpr int kMaxSymlinks = 40;
// Attempts at setting up a source's watches when the tree changes between listing a directory
// and watching it (ENOENT, ENOTDIR); the events of that change cause another attempt anyway.
constexpr int kAttempts = 3;

// Bytes read from the inotify descriptor at once: room for ~2000 short events, so a `git checkout`
// of a large tree is a handful of reads (and of watch recomputations), not thousands.
constexpr std::size_t kReadBuffer = 64 * 1024;

// The symlink a ConfigMap or Secret volume's atomic writer swaps to publish a new version: the
// kubelet renames a fresh `..data_tmp` over it (k8s.io/kubernetes
// pkg/volume/util/atomic_writer.go).
constexpr std::string_view kAtomicWriterDataDir = "..data";

// Why one source watches one directory: all of it (a directory source's tree), and/or some names
// in it (the source path itself, a symlink on the way to it, a path that does not exist yet).
struct Interest {
  bool tree = false;
  std::set<std::string> names;

  void merge(const Interest& other) {
    tree = tree || other.tree;
    names.insert(other.names.begin(), other.names.end());
  }
};

// What an event means for a source, in increasing order.
enum class Relevance {
  kNone,
  kContent,    // a file's content changed: report the source
  kStructure,  // names or links changed: report the source and recompute its watches
};

Relevance stronger(Relevance a, Relevance b) {
  return static_cast<int>(a) < static_cast<int>(b) ? b : a;
}

// An event in a directory of a directory source's tree, named `name` (never empty).
Relevance tree_relevance(const fs::path& dir, const std::string& name, std::uint32_t mask) {
  if (name == kAtomicWriterDataDir) return Relevance::kStructure;
  // The loader skips dot-names: editors' swap and temp files, the atomic writer's `..<timestamp>`
  // directories and `..data_tmp`. An editor's `.web.yaml.tmp` renamed over `web.yaml` is seen as
  // the IN_MOVED_TO of `web.yaml`.
  if (name.starts_with('.')) return Relevance::kNone;
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

// The directories one source needs watched, and why: a function of the filesystem as it is now,
// recomputed whenever an event says its structure changed.
class WatchPlan {
 public:
  explicit WatchPlan(const fs::path& source) {
    follow(source);
    std::error_code ec;
    if (fs::is_directory(fs::status(source, ec))) walk(source);
  }

  const std::map<fs::path, Interest>& dirs() const { return dirs_; }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void add_name(const fs::path& dir, const fs::path& name) {
    dirs_[dir].names.insert(name.string());
  }

  // Watches the directory holding each component of `path` that is a symlink or missing, and the
  // one holding the last component, for that name; then does the same for each symlink's target.
  // So a change anywhere on the way is seen: a symlink swapped (`..data`, git-sync's link), a
  // missing directory created.
  void follow(const fs::path& path) {
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

  // The directories list_manifest_files reads below `dir`, each once.
  void walk(const fs::path& dir) {
    std::error_code ec;
    fs::path canonical = fs::canonical(dir, ec);
    if (ec || !walked_.insert(std::move(canonical)).second) return;
    dirs_[dir].tree = true;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path entry = it->path();
      if (entry.filename().string().starts_with('.')) continue;
      std::error_code entry_ec;
      // A link's target can change without an event in this directory (the atomic writer's
      // `web.yaml -> ..data/web.yaml`, or a link out of the tree).
      if (it->is_symlink(entry_ec)) follow(entry);
      if (it->is_directory(entry_ec)) walk(entry);  // follows symlinks, as the loader does
    }
    if (ec) errors_.push_back("cannot list " + dir.string() + ": " + ec.message());
  }

  std::map<fs::path, Interest> dirs_;
  std::set<fs::path> walked_;  // canonical paths of the directories walked
  std::vector<std::string> errors_;
  int links_left_ = kMaxSymlinks;
};

struct Problem {
  std::string source;
  std::string message;
};

}  // namespace

struct SourceWatcher::Impl : std::enable_shared_from_this<Impl> {
  struct Source {
    fs::path path;      // absolute, lexically normal
    std::set<int> wds;  // the watches this source has an interest in
    bool dirty = false;
    Clock::time_point changed;  // the last change seen while dirty
  };
  struct Watch {
    fs::path dir;  // a path that reached the directory, to look at entries events name
    std::map<std::string, Interest> interests;  // by source
  };

  Impl(asio::io_context& io, Callback callback, SourceWatcherOptions watcher_options)
      : strand(asio::make_strand(io)),
        in(strand),
        timer(strand),
        on_change(std::move(callback)),
        options(std::move(watcher_options)) {
    fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "inotify_init1");
    boost::system::error_code ec;
    in.assign(fd, ec);
    if (ec) {
      ::close(fd);
      throw std::system_error(ec, "registering the inotify descriptor");
    }
  }

  // Lock order: deliver_mu, then mu. Never the reverse.
  //
  // Held while the callback (and on_error from an io thread) runs, and by unwatch and stop, so that
  // they return only once no call they forbid is running. Recursive: the callback may call them.
  std::recursive_mutex deliver_mu;
  // Guards the members below up to the strand's; held briefly, never while calling out.
  std::mutex mu;
  bool stopped = false;
  int fd = -1;  // the inotify descriptor (owned by `in`); used only while !stopped
  std::map<std::string, Source> sources;
  std::unordered_map<int, Watch> watches;

  // Used only on the strand (Asio I/O objects are not thread-safe).
  asio::strand<asio::io_context::executor_type> strand;
  asio::posix::stream_descriptor in;
  asio::steady_timer timer;
  bool timer_armed = false;
  alignas(inotify_event) std::array<char, kReadBuffer> buffer;

  const Callback on_change;
  const SourceWatcherOptions options;

  // --- called with mu held ---

  // Makes the source's watches those its path needs now.
  void rescan(const std::string& name, Source& source, std::vector<Problem>& problems) {
    for (int attempt = 1;; ++attempt) {
      const WatchPlan plan(source.path);
      std::map<int, Interest> next;
      std::vector<std::string> failures;
      bool raced = false;
      for (const auto& [dir, interest] : plan.dirs()) {
        const int wd = ::inotify_add_watch(fd, dir.c_str(), kWatchMask);
        if (wd < 0) {
          const int error = errno;
          raced = raced || error == ENOENT || error == ENOTDIR;
          std::string message = "cannot watch " + dir.string() + ": " + std::strerror(error);
          if (error == ENOSPC) message += " (the limit fs.inotify.max_user_watches is reached)";
          failures.push_back(std::move(message));
          continue;
        }
        next[wd].merge(interest);  // two paths may reach one directory: one watch
        watches[wd].dir = dir;     // the latest path to it, for looking at what events name
      }
      for (const int wd : source.wds) {
        if (!next.count(wd)) drop(wd, name);
      }
      source.wds.clear();
      for (auto& [wd, interest] : next) {
        watches[wd].interests[name] = std::move(interest);
        source.wds.insert(wd);
      }
      if (!raced || attempt == kAttempts) {
        for (const auto& message : plan.errors()) problems.push_back({name, message});
        for (auto& message : failures) problems.push_back({name, std::move(message)});
        return;
      }
    }
  }

  void drop(int wd, const std::string& name) {
    const auto found = watches.find(wd);
    if (found == watches.end()) return;
    found->second.interests.erase(name);
    if (!found->second.interests.empty()) return;
    // Fails harmlessly if the kernel already removed it (its IN_IGNORED is then still queued, and
    // is skipped as an event for an unknown watch).
    ::inotify_rm_watch(fd, wd);
    watches.erase(found);
  }

  void handle_events(std::size_t size, std::vector<Problem>& problems) {
    std::set<std::string> changed;
    std::set<std::string> restructured;
    const auto all = [&] {
      for (const auto& [name, source] : sources) {
        changed.insert(name);
        restructured.insert(name);
      }
    };
    for (std::size_t at = 0; at + sizeof(inotify_event) <= size;) {
      inotify_event event;
      std::memcpy(&event, buffer.data() + at, sizeof event);
      const char* name_at = buffer.data() + at + sizeof event;
      const std::string name(name_at, ::strnlen(name_at, event.len));
      at += sizeof event + event.len;

      // The kernel dropped events (fs.inotify.max_queued_events): anything may have changed.
      if (event.mask & IN_Q_OVERFLOW) {
        all();
        continue;
      }
      const auto found = watches.find(event.wd);
      if (found == watches.end()) continue;  // removed by drop(); its events were still queued
      if (event.mask & IN_IGNORED) {
        // The kernel removed the watch: the directory was deleted or its filesystem unmounted.
        for (const auto& [source, interest] : found->second.interests) {
          changed.insert(source);
          restructured.insert(source);
          const auto s = sources.find(source);
          if (s != sources.end()) s->second.wds.erase(event.wd);
        }
        watches.erase(found);
        continue;
      }
      for (const auto& [source, interest] : found->second.interests) {
        const Relevance r = relevance(found->second.dir, interest, name, event.mask);
        if (r != Relevance::kNone) changed.insert(source);
        if (r == Relevance::kStructure) restructured.insert(source);
      }
    }
    for (const auto& name : restructured) {
      if (const auto s = sources.find(name); s != sources.end()) rescan(name, s->second, problems);
    }
    const Clock::time_point now = Clock::now();
    for (const auto& name : changed) {
      if (const auto s = sources.find(name); s != sources.end()) {
        s->second.dirty = true;
        s->second.changed = now;
      }
    }
  }

  // --- on the strand ---

  void read() {
    if (!in.is_open()) return;
    in.async_read_some(asio::buffer(buffer),
                       [self = shared_from_this()](const boost::system::error_code& ec,
                                                   std::size_t size) { self->on_read(ec, size); });
  }

  void on_read(const boost::system::error_code& ec, std::size_t size) {
    if (ec == asio::error::operation_aborted) return;  // closed by stop()
    std::vector<Problem> problems;
    {
      std::lock_guard lock(mu);
      if (stopped) return;
      if (ec) {
        // Nothing more will be seen. Report every source once, so that what changed meanwhile is
        // at least loaded, and say so.
        for (auto& [name, source] : sources) {
          source.dirty = true;
          source.changed = Clock::now();
        }
        problems.push_back({"", "reading inotify events failed, changes are no longer seen: " +
                                    ec.message()});
      } else {
        handle_events(size, problems);
      }
      schedule();
    }
    report(problems);
    if (!ec) read();
  }

  // Arms the timer for the earliest report due. Needs mu.
  void schedule() {
    // An armed timer is never late: every new change is due `debounce` from now, and what it is
    // armed for was due `debounce` after an earlier change.
    if (timer_armed) return;
    std::optional<Clock::time_point> due;
    for (const auto& [name, source] : sources) {
      if (source.dirty && (!due || source.changed + options.debounce < *due)) {
        due = source.changed + options.debounce;
      }
    }
    if (!due) return;
    timer_armed = true;
    timer.expires_at(*due);
    timer.async_wait(
        [self = shared_from_this()](const boost::system::error_code& ec) { self->on_timer(ec); });
  }

  void on_timer(const boost::system::error_code& ec) {
    timer_armed = false;
    if (ec == asio::error::operation_aborted) return;  // cancelled by stop()
    std::lock_guard deliver(deliver_mu);
    std::vector<std::string> due;
    {
      std::lock_guard lock(mu);
      if (stopped) return;
      const Clock::time_point now = Clock::now();
      for (auto& [name, source] : sources) {
        if (source.dirty && source.changed + options.debounce <= now) {
          source.dirty = false;
          due.push_back(name);
        }
      }
      schedule();
    }
    for (const auto& name : due) {
      {
        // The callback may have unwatched a source, or stopped everything.
        std::lock_guard lock(mu);
        if (stopped || !sources.count(name)) continue;
      }
      on_change(name);
    }
  }

  // --- from any thread, no lock held ---

  void report(const std::vector<Problem>& problems) {
    if (problems.empty() || !options.on_error) return;
    std::lock_guard deliver(deliver_mu);
    {
      std::lock_guard lock(mu);
      if (stopped) return;
    }
    for (const auto& problem : problems) options.on_error(problem.source, problem.message);
  }

  void watch(const std::string& name, const fs::path& path) {
    std::error_code ec;
    fs::path absolute = fs::absolute(path, ec).lexically_normal();
    if (ec) absolute = path.lexically_normal();
    if (!absolute.has_filename() && absolute.has_relative_path()) absolute = absolute.parent_path();
    std::vector<Problem> problems;
    {
      std::lock_guard lock(mu);
      if (stopped) return;
      Source& source = sources[name];
      source.path = std::move(absolute);
      source.dirty = false;  // the caller loads the source after this
      rescan(name, source, problems);
    }
    report(problems);
  }

  void unwatch(const std::string& name) {
    std::lock_guard deliver(deliver_mu);
    std::lock_guard lock(mu);
    const auto found = sources.find(name);
    if (found == sources.end()) return;
    for (const int wd : found->second.wds) drop(wd, name);
    sources.erase(found);
  }

  void stop() {
    std::lock_guard deliver(deliver_mu);
    {
      std::lock_guard lock(mu);
      if (stopped) return;
      stopped = true;
      sources.clear();
      watches.clear();
    }
    // Closing the descriptor removes every watch and ends the pending read; both I/O objects
    // belong to the strand. The handlers still queued hold the Impl until they have run.
    asio::post(strand, [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->in.close(ignored);
      self->timer.cancel();
    });
  }
};

SourceWatcher::SourceWatcher(asio::io_context& io, Callback on_change, SourceWatcherOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(on_change), std::move(options))) {
  asio::post(impl_->strand, [self = impl_] { self->read(); });
}

SourceWatcher::~SourceWatcher() { stop(); }

void SourceWatcher::watch(const std::string& name, const fs::path& path) {
  impl_->watch(name, path);
}

void SourceWatcher::unwatch(const std::string& name) { impl_->unwatch(name); }

void SourceWatcher::stop() { impl_->stop(); }

}  // namespace steward::desired
