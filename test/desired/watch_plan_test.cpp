// WatchPlan: the directories the source watcher watches for a source are the ones the loader
// reads (both walk with walk_manifest_tree), plus the links on the way to them.

#include <catch2/catch.hpp>

#include <sys/inotify.h>

#include <filesystem>
#include <set>
#include <string>

#include "desired/manifest_files.hpp"
#include "desired/watch_plan.hpp"
#include "kube/temp_dir.hpp"

using namespace steward::desired;
using steward::test::TempDir;
namespace fs = std::filesystem;

namespace {

// The directories a walk reads, as reached.
class Directories : public ManifestTreeVisitor {
 public:
  std::set<fs::path> dirs;
  void directory(const fs::path& dir) override { dirs.insert(dir); }
};

std::set<fs::path> trees(const WatchPlan& plan) {
  std::set<fs::path> out;
  for (const auto& [dir, interest] : plan.dirs())
    if (interest.tree) out.insert(dir);
  return out;
}

}  // namespace

TEST_CASE("a ConfigMap volume's watch plan covers the loader's directories and the ..data link") {
  TempDir dir;
  const fs::path mount = fs::canonical(dir.path()) / "mount";
  dir.write("mount/..2024_05_01_10_00_00.1/web.yaml", "a: 1\n");
  dir.write("mount/..2024_05_01_10_00_00.1/sub/x.yaml", "a: 1\n");
  fs::create_directory_symlink("..2024_05_01_10_00_00.1", mount / "..data");
  fs::create_symlink("..data/web.yaml", mount / "web.yaml");
  fs::create_directory_symlink("..data/sub", mount / "sub");
  dir.write("mount/.git/y.yaml", "a: 1\n");

  Directories walked;
  walk_manifest_tree(mount, walked);
  CHECK(walked.dirs == std::set<fs::path>{mount, mount / "sub"});

  const WatchPlan plan(mount);
  CHECK(plan.errors().empty());
  CHECK(trees(plan) == walked.dirs);
  // The visible links are followed to where the atomic writer swaps `..data`.
  REQUIRE(plan.dirs().count(mount));
  CHECK(plan.dirs().at(mount).names.count("..data") == 1);
}

TEST_CASE("relevance: hidden names are ignored in a tree, manifests and ..data are not") {
  Interest tree;
  tree.tree = true;
  CHECK(relevance("/d", tree, ".web.yaml.swp", IN_MODIFY) == Relevance::kNone);
  CHECK(relevance("/d", tree, "web.yaml", IN_MODIFY) == Relevance::kContent);
  CHECK(relevance("/d", tree, "..data", IN_MOVED_TO) == Relevance::kStructure);
  CHECK(relevance("/d", tree, "", IN_DELETE_SELF) == Relevance::kStructure);
}
