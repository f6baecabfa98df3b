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
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "desired/watch_plan.hpp"

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
// Attempts at setting up a source's watches when the tree changes between listing a directory
// and watching it (ENOENT, ENOTDIR); the events of that change cause another attempt anyway.
constexpr int kAttempts = 3;

// Bytes read from the inotify descriptor at once: room for ~2000 short events, so a `git checkout`
// of a large tree is a handful of reads (and of watch recomputations), not thousands.
constexpr std::size_t kReadBuffer = 64 * 1024;

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
