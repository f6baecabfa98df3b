// SourceWatcher: changes on disk → one report per source after the debounce, for the ways sources
// really change (editors, the kubelet's ConfigMap volume updates, git-sync's link swap).
//
// No test sleeps and hopes. Positive checks wait (on a condition variable, 10 s deadline) for the
// report (debounce 100 ms). "Nothing was reported" is checked after settle(): a change to a probe
// source, made after the change under test, has been reported twice; one inotify descriptor keeps
// events in order, so by then any report the earlier change caused has been delivered.

#include <catch2/catch.hpp>


#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "desired/source_watcher.hpp"
#include "kube/temp_dir.hpp"
#include "support/async.hpp"

using namespace steward::desired;
using namespace std::chrono_literals;
using steward::test::Loop;
using steward::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Counts reports per source; waits for them on a condition variable.
class Reports {
 public:
  void record(const std::string& source) {
    {
      std::lock_guard lock(mu_);
      ++counts_[source];
    }
    changed_.notify_all();
  }
  int count(const std::string& source) {
    std::lock_guard lock(mu_);
    return get(source);
  }
  // Until `source` has been reported `n` times; false after 10 s.
  bool wait_for(const std::string& source, int n) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, 10s, [&] { return get(source) >= n; });
  }

 private:
  int get(const std::string& source) const {
    const auto found = counts_.find(source);
    return found == counts_.end() ? 0 : found->second;
  }
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, int> counts_;
};

// Members in this order: the watcher is stopped (and its callback finished) before the reports
// and the loop it uses go away.
struct Fixture {
  TempDir tmp;
  Loop loop;
  Reports reports;
  std::mutex errors_mu;
  std::vector<std::string> errors;
  std::mutex also_mu;
  std::function<void(const std::string&)> also_;  // extra work for the callback; see also()
  SourceWatcher watcher;
  int probes = 0;

  // 100 ms: short, yet far longer than the few syscalls of one write, so one write is one burst.
  explicit Fixture(std::chrono::milliseconds debounce = 100ms)
      : watcher(loop.io, [this](const std::string& source) { on_report(source); },
                {.debounce = debounce,
                 .on_error = [this](const std::string& source, const std::string& message) {
                   std::lock_guard lock(errors_mu);
                   errors.push_back(source + ": " + message);
                 }}) {
    fs::create_directories(tmp.path() / "probe");
    watcher.watch("probe", tmp.path() / "probe");
  }

  void on_report(const std::string& source) {
    reports.record(source);
    std::function<void(const std::string&)> extra;
    {
      std::lock_guard lock(also_mu);
      extra = also_;
    }
    if (extra) extra(source);
  }

  // Runs `extra` in the callback after each report is recorded.
  void also(std::function<void(const std::string&)> extra) {
    std::lock_guard lock(also_mu);
    also_ = std::move(extra);
  }
  fs::path path(const fs::path& relative) const { return tmp.path() / relative; }
  // Watches tmp/relative. Events of the test's setup still queued would be taken for changes of the
  // new source (they may come from a directory already watched for the probe): read them first.
  void watch(const std::string& name, const fs::path& relative) {
    settle(1);
    watcher.watch(name, path(relative));
  }
  void write(const fs::path& relative, const std::string& content = "kind: ConfigMap\n") const {
    tmp.write(relative, content);
  }
  std::vector<std::string> problems() {
    std::lock_guard lock(errors_mu);
    return errors;
  }

  // Returns once everything that happened on disk before the call has been reported (or was
  // ignored). The probe's change comes after, in the same event queue, so it is marked no earlier
  // and is due no earlier: a report the earlier change caused comes in the same timer run as the
  // probe's or before. A second round ends after that run has finished.
  void settle(int rounds = 2) {
    for (int round = 0; round < rounds; ++round) {
      const int seen = reports.count("probe");
      write("probe/p" + std::to_string(++probes) + ".yaml");
      REQUIRE(reports.wait_for("probe", seen + 1));
    }
  }

  // Makes `change` and waits for a report of `source` that only it can have caused: the reports
  // of earlier changes (one step may make several, e.g. a deletion, level by level) are all in
  // before it starts.
  void expect_reported(const std::string& source, const std::function<void()>& change) {
    settle();
    const int seen = reports.count(source);
    change();
    REQUIRE(reports.wait_for(source, seen + 1));
  }
};

}  // namespace

TEST_CASE("a new file in a directory source is reported once") {
  Fixture f(300ms);  // a new file is three events (create, modify, close): one burst, even if slow
  fs::create_directories(f.path("apps"));
  f.watch("apps", "apps");
  f.write("apps/web.yaml");
  REQUIRE(f.reports.wait_for("apps", 1));
  f.settle();
  CHECK(f.reports.count("apps") == 1);
  CHECK(f.problems().empty());
}

TEST_CASE("a burst of writes within the debounce is reported once, a later change again") {
  constexpr auto debounce = 300ms;
  Fixture f(debounce);
  fs::create_directories(f.path("apps"));
  f.watch("apps", "apps");
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) f.write("apps/web.yaml", "# version " + std::to_string(i) + "\n");
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(f.reports.wait_for("apps", 1));
  f.settle();
  // A machine so loaded that 20 small writes took longer than the debounce makes two reports right.
  if (took < debounce) CHECK(f.reports.count("apps") == 1);
  f.write("apps/web.yaml", "# version 20\n");
  REQUIRE(f.reports.wait_for("apps", f.reports.count("apps") + 1));
}

TEST_CASE("an editor's temp file renamed over the manifest is reported, its swap file is not") {
  Fixture f;
  f.write("apps/web.yaml");
  f.watch("apps", "apps");

  f.write("apps/.web.yaml.swp", "vim swap");
  f.settle();
  CHECK(f.reports.count("apps") == 0);

  f.write("apps/.web.yaml.tmp", "kind: ConfigMap\n# edited\n");
  fs::rename(f.path("apps/.web.yaml.tmp"), f.path("apps/web.yaml"));
  REQUIRE(f.reports.wait_for("apps", 1));
  f.settle();
  CHECK(f.reports.count("apps") == 1);
}

TEST_CASE("a ConfigMap volume update (the atomic ..data symlink swap) is reported, every time") {
  Fixture f;
  // The layout the kubelet's atomic writer makes: real files in a timestamped directory, `..data`
  // pointing at it, and the visible names pointing through `..data`.
  f.write("mount/..2026_1/web.yaml", "# v1\n");
  fs::create_directory_symlink("..2026_1", f.path("mount/..data"));
  fs::create_symlink("..data/web.yaml", f.path("mount/web.yaml"));
  f.watch("volume", "mount");
  f.watch("file", "mount/web.yaml");  // a single key of the volume as a source

  // An update, step by step as atomic_writer.go does it.
  const auto update = [&](const std::string& old_dir, const std::string& new_dir) {
    f.write("mount/" + new_dir + "/web.yaml", "# " + new_dir + "\n");
    fs::create_directory_symlink(new_dir, f.path("mount/..data_tmp"));
    fs::rename(f.path("mount/..data_tmp"), f.path("mount/..data"));
    fs::remove_all(f.path("mount/" + old_dir));
  };
  update("..2026_1", "..2026_2");
  REQUIRE(f.reports.wait_for("volume", 1));
  REQUIRE(f.reports.wait_for("file", 1));
  f.settle();

  // The watches follow the swap: the next update is seen too.
  const int volume = f.reports.count("volume");
  const int file = f.reports.count("file");
  update("..2026_2", "..2026_3");
  REQUIRE(f.reports.wait_for("volume", volume + 1));
  REQUIRE(f.reports.wait_for("file", file + 1));
  CHECK(f.problems().empty());
}

TEST_CASE("files in subdirectories created after watching started are reported") {
  Fixture f;
  fs::create_directories(f.path("apps"));
  f.watch("apps", "apps");

  f.expect_reported("apps", [&] { fs::create_directory(f.path("apps/team-a")); });
  f.expect_reported("apps", [&] { f.write("apps/team-a/web.yaml"); });
  // Several levels at once, written into before the watcher can have seen the directories.
  f.expect_reported("apps", [&] { f.write("apps/team-b/prod/db.yaml"); });
  f.expect_reported("apps", [&] { f.write("apps/team-b/prod/cache.yaml"); });
  CHECK(f.problems().empty());
}

TEST_CASE("a deleted subdirectory is reported, and one made again under the name is watched") {
  Fixture f;
  f.write("apps/team-a/web.yaml");
  f.watch("apps", "apps");

  f.expect_reported("apps", [&] { fs::remove_all(f.path("apps/team-a")); });
  f.expect_reported("apps", [&] { f.write("apps/team-a/web.yaml"); });
  f.expect_reported("apps", [&] { f.write("apps/team-a/web.yaml", "# edited\n"); });
}

TEST_CASE("a single-file source is reported when replaced by rename, not for its siblings") {
  Fixture f;
  f.write("conf/web.yaml");
  f.write("conf/other.yaml");
  f.watch("web", "conf/web.yaml");

  f.write("conf/other.yaml", "# edited\n");
  f.write("conf/new.yaml");
  fs::remove(f.path("conf/other.yaml"));
  f.settle();
  CHECK(f.reports.count("web") == 0);

  f.write("conf/.web.yaml.tmp", "# replaced\n");
  fs::rename(f.path("conf/.web.yaml.tmp"), f.path("conf/web.yaml"));
  REQUIRE(f.reports.wait_for("web", 1));
  f.settle();
  CHECK(f.reports.count("web") == 1);

  // Written in place, too.
  f.write("conf/web.yaml", "# in place\n");
  REQUIRE(f.reports.wait_for("web", 2));
}

TEST_CASE("two sources are reported separately, and an unwatched one no more") {
  Fixture f;
  fs::create_directories(f.path("a"));
  fs::create_directories(f.path("b"));
  f.watch("a", "a");
  f.watch("b", "b");

  f.write("a/x.yaml");
  REQUIRE(f.reports.wait_for("a", 1));
  f.settle();
  CHECK(f.reports.count("b") == 0);
  const int a = f.reports.count("a");
  f.write("b/x.yaml");
  REQUIRE(f.reports.wait_for("b", 1));
  f.settle();
  CHECK(f.reports.count("a") == a);

  f.watcher.unwatch("a");
  const int b = f.reports.count("b");
  f.write("a/y.yaml");
  f.write("b/y.yaml");
  REQUIRE(f.reports.wait_for("b", b + 1));
  f.settle();
  CHECK(f.reports.count("a") == a);
}

TEST_CASE("a source that does not exist yet is reported when it appears, then watched") {
  Fixture f;
  f.watch("later", "not/yet/apps");
  f.expect_reported("later", [&] { fs::create_directories(f.path("not")); });
  f.expect_reported("later", [&] { f.write("not/yet/apps/web.yaml"); });
  f.expect_reported("later", [&] { f.write("not/yet/apps/db.yaml"); });
  // Deleted whole, and made again.
  f.expect_reported("later", [&] { fs::remove_all(f.path("not")); });
  f.expect_reported("later", [&] { f.write("not/yet/apps/web.yaml"); });
  CHECK(f.problems().empty());
}

TEST_CASE("a source reached through a symlink that is swapped (git-sync) follows the swap") {
  Fixture f;
  f.write("repo/rev1/web.yaml");
  f.write("repo/rev2/web.yaml", "# rev2\n");
  fs::create_directory_symlink("rev1", f.path("repo/current"));
  f.watch("git", "repo/current");

  fs::create_directory_symlink("rev2", f.path("repo/.current_tmp"));
  fs::rename(f.path("repo/.current_tmp"), f.path("repo/current"));
  REQUIRE(f.reports.wait_for("git", 1));
  f.settle();
  CHECK(f.reports.count("git") == 1);

  f.write("repo/rev1/old.yaml");  // no longer what the source reads
  f.settle();
  CHECK(f.reports.count("git") == 1);
  f.write("repo/rev2/new.yaml");
  REQUIRE(f.reports.wait_for("git", 2));
}

TEST_CASE("the callback may unwatch its own source and watch another") {
  Fixture f;
  fs::create_directories(f.path("a"));
  fs::create_directories(f.path("b"));
  f.also([&](const std::string& source) {
    if (source != "a") return;
    f.watcher.unwatch("a");
    f.watcher.watch("b", f.path("b"));  // not f.watch: that waits for reports
    f.reports.record("a handled");      // "a" itself was recorded before this ran
  });
  f.watch("a", "a");
  f.write("a/x.yaml");
  REQUIRE(f.reports.wait_for("a handled", 1));
  f.write("a/y.yaml");
  f.write("b/x.yaml");
  REQUIRE(f.reports.wait_for("b", 1));
  f.settle();
  CHECK(f.reports.count("a") == 1);
}

TEST_CASE("the callback may stop the watcher") {
  TempDir tmp;
  Loop loop;
  Reports reports;
  std::unique_ptr<SourceWatcher> watcher;
  watcher = std::make_unique<SourceWatcher>(
      loop.io,
      [&](const std::string& source) {
        watcher->stop();
        reports.record(source);  // last: the test destroys the watcher once it sees this
      },
      SourceWatcherOptions{.debounce = 10ms});
  fs::create_directories(tmp.path() / "a");
  watcher->watch("a", tmp.path() / "a");
  tmp.write("a/x.yaml", "");
  REQUIRE(reports.wait_for("a", 1));
  watcher->watch("a", tmp.path() / "a");  // after stop: does nothing
  watcher.reset();
  CHECK(reports.count("a") == 1);
}

TEST_CASE("after stop the watcher leaves no work on the io_context, and reports nothing") {
  TempDir tmp;
  boost::asio::io_context io;
  Reports reports;
  fs::create_directories(tmp.path() / "apps");
  {
    SourceWatcher watcher(io, [&](const std::string& s) { reports.record(s); },
                          {.debounce = 1ms});
    watcher.watch("apps", tmp.path() / "apps");
    tmp.write("apps/web.yaml", "");
    io.run_for(200ms);  // reads the event and arms the report (may deliver it)
    tmp.write("apps/db.yaml", "");
    watcher.stop();
  }
  const int seen = reports.count("apps");
  io.run_for(10s);  // returns at once when no work is left
  CHECK(io.stopped());
  CHECK(reports.count("apps") == seen);
}

TEST_CASE("an overflowing event queue reports every source") {
  unsigned long max_queued = 0;
  std::ifstream("/proc/sys/fs/inotify/max_queued_events") >> max_queued;
  if (max_queued == 0 || max_queued > 100'000) {
    WARN("fs.inotify.max_queued_events is " << max_queued << ": overflow test skipped");
    return;
  }
  TempDir tmp;
  boost::asio::io_context io;  // not run while the queue fills
  Reports reports;
  fs::create_directories(tmp.path() / "busy");
  fs::create_directories(tmp.path() / "quiet");
  SourceWatcher watcher(io, [&](const std::string& s) { reports.record(s); }, {.debounce = 10ms});
  watcher.watch("busy", tmp.path() / "busy");
  watcher.watch("quiet", tmp.path() / "quiet");
  // Each touch queues one IN_ATTRIB; alternating files so the kernel cannot merge consecutive
  // identical events. (Touching, not rewriting: ext4 flushes a truncated-and-rewritten file on
  // close, which would make this take half a minute.)
  const fs::path files[] = {tmp.write("busy/a.yaml", ""), tmp.write("busy/b.yaml", "")};
  const auto now = fs::file_time_type::clock::now();
  for (unsigned long i = 0; i <= max_queued; ++i) {
    fs::last_write_time(files[i % 2], now - std::chrono::seconds(i));
  }
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (reports.count("quiet") == 0 && std::chrono::steady_clock::now() < until) {
    io.run_for(50ms);
  }
  CHECK(reports.count("quiet") == 1);
  CHECK(reports.count("busy") >= 1);
}
