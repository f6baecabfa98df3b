// load_source: sources on disk → validated, keyed objects, or every error with its place.

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "desired/manifest_files.hpp"
#include "desired/manifest_loader.hpp"
#include "kube/object.hpp"
#include "kube/temp_dir.hpp"

using namespace steward::desired;
using steward::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Discovery stand-in: the kinds the tests use; "Widget" is unknown (a CRD not yet served).
std::optional<bool> scope(std::string_view, std::string_view kind) {
  if (kind == "Namespace" || kind == "ClusterRole") return false;
  if (kind == "Widget") return std::nullopt;
  return true;
}

LoaderOptions options() {
  LoaderOptions o;
  o.is_namespaced = scope;
  return o;
}

SourceLoad load(const fs::path& path, LoaderOptions o = options()) {
  return load_source({.name = "apps", .path = path, .default_namespace = "team"}, o);
}

std::vector<std::string> errors(const SourceLoad& l) {
  std::vector<std::string> out;
  for (const auto& e : l.errors) out.push_back(e.to_string());
  return out;
}

std::vector<std::string> keys(const SourceLoad& l) {
  std::vector<std::string> out;
  for (const auto& o : l.objects) out.push_back(o->key.to_string());
  return out;
}

std::string cm(const std::string& name, const std::string& extra = "") {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n" + extra;
}

}  // namespace

TEST_CASE("a directory source reads yaml, yml and json files recursively in path order") {
  TempDir dir;
  dir.write("b.yaml", cm("b"));
  dir.write("a/z.yml", cm("az"));
  dir.write("a/y.json", R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ay"}})");
  dir.write("notes.txt", "not a manifest");
  dir.write(".hidden.yaml", cm("hidden"));
  dir.write(".git/x.yaml", cm("git"));
  const SourceLoad l = load(dir.path());
  CHECK(errors(l).empty());
  CHECK(l.files == 3);
  CHECK(keys(l) == std::vector<std::string>{"ConfigMap team/ay", "ConfigMap team/az",
                                            "ConfigMap team/b"});
  CHECK(l.objects[0]->source == "apps");
  CHECK(l.objects[2]->location.to_string() == (dir.path() / "b.yaml").string() + ":1:1");
}

TEST_CASE("a ConfigMap volume's ..data symlink layout is read once per file, by its visible name") {
  TempDir dir;
  const fs::path mount = dir.path() / "mount";
  dir.write("mount/..2024_05_01_10_00_00.1/web.yaml", cm("web"));
  dir.write("mount/..2024_05_01_10_00_00.1/db.yaml", cm("db"));
  dir.write("mount/..2024_05_01_10_00_00.1/sub/x.yaml", cm("x"));
  fs::create_directory_symlink("..2024_05_01_10_00_00.1", mount / "..data");
  fs::create_symlink("..data/web.yaml", mount / "web.yaml");
  fs::create_symlink("..data/db.yaml", mount / "db.yaml");
  fs::create_directory_symlink("..data/sub", mount / "sub");
  fs::create_symlink("web.yaml", mount / "web-again.yaml");  // a second link to one file

  const ManifestFiles files = list_manifest_files(mount);
  CHECK(files.errors.empty());
  CHECK(files.files == std::vector<fs::path>{mount / "db.yaml", mount / "sub" / "x.yaml",
                                             mount / "web-again.yaml"});
  const SourceLoad l = load(mount);
  CHECK(errors(l).empty());
  CHECK(keys(l) == std::vector<std::string>{"ConfigMap team/db", "ConfigMap team/x",
                                            "ConfigMap team/web"});
}

TEST_CASE("a directory symlink cycle is walked once") {
  TempDir dir;
  dir.write("src/a.yaml", cm("a"));
  dir.write("src/sub/b.yaml", cm("b"));
  fs::create_directory_symlink("..", dir.path() / "src" / "sub" / "loop");
  const SourceLoad l = load(dir.path() / "src");
  CHECK(errors(l).empty());
  CHECK(keys(l) == std::vector<std::string>{"ConfigMap team/a", "ConfigMap team/b"});
}

TEST_CASE("a symlink leading out of the source's folder is an error at the link") {
  TempDir dir;
  dir.write("src/a.yaml", cm("a"));
  dir.write("src-other/b.yaml", cm("b"));  // a sibling whose name starts like the source's
  dir.write("notes.txt", "not a manifest");
  const fs::path src = dir.path() / "src";
  fs::create_symlink("../src-other/b.yaml", src / "b.yaml");
  fs::create_directory_symlink("../src-other", src / "other");
  fs::create_symlink("../notes.txt", src / "notes.txt");  // never read, so no error
  const SourceLoad l = load(src);
  const std::string out = fs::canonical(dir.path() / "src-other").string();
  CHECK(errors(l) ==
        std::vector<std::string>{
            (src / "b.yaml").string() + ": symlink leads out of the source's folder (to " + out +
                "/b.yaml); steward reads only files inside a source",
            (src / "other").string() + ": symlink leads out of the source's folder (to " + out +
                "); steward reads only files inside a source"});
  CHECK(l.objects.empty());
}

TEST_CASE("a source named through a symlink reads its own files and links inside it") {
  TempDir dir;
  dir.write("rev1/a.yaml", cm("a"));
  dir.write("rev1/shared/b.yaml", cm("b"));
  fs::create_symlink("shared/b.yaml", dir.path() / "rev1" / "b-link.yaml");
  fs::create_directory_symlink("rev1", dir.path() / "current");  // as git-sync links a checkout
  const SourceLoad l = load(dir.path() / "current");
  CHECK(errors(l).empty());
  CHECK(keys(l) == std::vector<std::string>{"ConfigMap team/a", "ConfigMap team/b"});
  CHECK(l.objects[1]->location.file == (dir.path() / "current" / "b-link.yaml").string());
}

TEST_CASE("multi-document files skip empty documents") {
  TempDir dir;
  const auto file = dir.write("all.yaml", "---\n" + cm("one") + "---\n---\n# nothing\n---\n" +
                                              cm("two") + "...\n");
  const SourceLoad l = load(file);
  CHECK(errors(l).empty());
  CHECK(keys(l) == std::vector<std::string>{"ConfigMap team/one", "ConfigMap team/two"});
  CHECK(l.objects[1]->location.mark == Mark{10, 1});
}

TEST_CASE("List kinds are expanded into their items, each with its own place") {
  TempDir dir;
  const auto file = dir.write("list.yaml",
                              "apiVersion: v1\n"
                              "kind: List\n"
                              "items:\n"
                              "- apiVersion: v1\n"
                              "  kind: ConfigMap\n"
                              "  metadata: {name: a}\n"
                              "- apiVersion: apps/v1\n"
                              "  kind: Deployment\n"
                              "  metadata: {name: b, namespace: other}\n");
  const SourceLoad l = load(file);
  CHECK(errors(l).empty());
  REQUIRE(keys(l) == std::vector<std::string>{"ConfigMap team/a", "apps/Deployment other/b"});
  CHECK(l.objects[1]->location.mark == Mark{7, 3});
  CHECK(steward::kube::string_at(*l.objects[0]->object, {"metadata", "namespace"}) == "team");
}

// One mistake of each kind, at its place, is in test/desired/hostile_inputs.cpp; here, that one
// file's documents are each checked, so a load reports a mistake per document.
TEST_CASE("every document of a file is checked, each mistake at its place") {
  TempDir dir;
  const auto file = dir.write("bad.yaml",
                              "kind: ConfigMap\n"             // 1: no apiVersion
                              "metadata:\n"
                              "  name: a\n"
                              "---\n"
                              "apiVersion: v1\n"              // 5: no kind
                              "metadata:\n"
                              "  name: b\n"
                              "---\n" + cm("fine") +
                              "---\n"
                              "- not a mapping\n");           // 14
  const std::string f = file.string();
  const SourceLoad l = load(file);
  CHECK(l.objects.empty());
  CHECK(errors(l) == std::vector<std::string>{
                         f + ":1:1: apiVersion is required",
                         f + ":5:1: kind is required",
                         f + ":14:1: a manifest must be a mapping (an object)",
                     });
}

TEST_CASE("RBAC names may hold colons, as the API server allows for them") {
  TempDir dir;
  const auto file = dir.write("rbac.yaml",
                              "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
                              "metadata:\n  name: system:controller:x\n");
  const SourceLoad l = load(file);
  CHECK(errors(l).empty());
  CHECK(keys(l) ==
        std::vector<std::string>{"rbac.authorization.k8s.io/ClusterRole system:controller:x"});
}

TEST_CASE("scope decides the namespace: defaulted, dropped, or left for later") {
  TempDir dir;
  const auto file = dir.write(
      "scope.yaml",
      cm("plain") + "---\n" +
          "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  namespace: ignored\n---\n" +
          "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n");
  const SourceLoad l = load(file);
  CHECK(errors(l).empty());
  REQUIRE(keys(l) == std::vector<std::string>{"ConfigMap team/plain", "Namespace team",
                                              "example.com/Widget w"});
  CHECK(steward::kube::to_json(*l.objects[1]->object) ==
        R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}})");
  CHECK_FALSE(l.objects[0]->scope_unknown);
  CHECK(l.objects[2]->scope_unknown);
  CHECK(steward::kube::string_at(*l.objects[2]->object, {"metadata", "namespace"}).empty());
}

TEST_CASE("without a scope callback every object is kept as written and marked unknown") {
  TempDir dir;
  const auto file = dir.write("a.yaml", cm("a"));
  const SourceLoad l = load(file, LoaderOptions{});
  REQUIRE(l.objects.size() == 1);
  CHECK(l.objects[0]->scope_unknown);
  CHECK(l.objects[0]->key.ns.empty());
}

TEST_CASE("duplicate objects across files are an error naming both places") {
  TempDir dir;
  const auto a = dir.write("a.yaml", cm("same"));
  const auto b = dir.write("b.yaml", "# comment\n" + cm("same", "  namespace: team\n"));
  const SourceLoad l = load(dir.path());
  CHECK(l.objects.empty());
  CHECK(errors(l) == std::vector<std::string>{b.string() +
                                              ":2:1: duplicate object ConfigMap team/same (also "
                                              "defined at " + a.string() + ":1:1)"});
}

TEST_CASE("duplicates within one file, and the same name in another group or namespace") {
  TempDir dir;
  const auto file = dir.write("d.yaml", cm("x") + "---\n" + cm("x") + "---\n" +
                                            cm("x", "  namespace: other\n") + "---\n" +
                                            "apiVersion: example.com/v1\nkind: ConfigMap\n"
                                            "metadata:\n  name: x\n");
  const SourceLoad l = load(file, [] {
    LoaderOptions o = options();
    o.is_namespaced = [](std::string_view, std::string_view) { return std::optional<bool>(true); };
    return o;
  }());
  const std::string f = file.string();
  CHECK(errors(l) == std::vector<std::string>{f + ":6:1: duplicate object ConfigMap team/x (also "
                                                  "defined at " + f + ":1:1)"});
}

TEST_CASE("every error of a load is reported, up to the limit, and the source yields nothing") {
  TempDir dir;
  dir.write("a.yaml", "kind: ConfigMap\nmetadata: {name: a}\n");
  dir.write("b.yaml", "a: [\n");
  dir.write("c.yaml", cm("fine"));
  dir.write("d.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\nx: 1\nx: 2\n");
  SourceLoad l = load(dir.path());
  CHECK(l.objects.empty());
  CHECK(l.errors.size() == 3);

  LoaderOptions limited = options();
  limited.max_errors = 2;
  l = load(dir.path(), limited);
  REQUIRE(l.errors.size() == 3);
  CHECK(l.errors[2].to_string() == dir.path().string() + ": 1 more errors not shown");
}

TEST_CASE("a missing source is an error") {
  TempDir dir;
  const SourceLoad l = load(dir.path() / "nope");
  REQUIRE(l.errors.size() == 1);
  CHECK_THAT(l.errors[0].to_string(),
             Catch::StartsWith((dir.path() / "nope").string() + ": cannot read source"));
}


TEST_CASE("a source listing more files than the limit fails before any file is read") {
  TempDir dir;
  dir.write("a.yaml", cm("a"));
  dir.write("b.yaml", "a: [\n");  // would be a parse error, were it read
  dir.write("c.yaml", cm("c"));
  LoaderOptions limited = options();
  limited.max_files = 2;
  const SourceLoad l = load(dir.path(), limited);
  CHECK(errors(l) == std::vector<std::string>{dir.path().string() +
                                              ": source lists 3 manifest files; steward loads at "
                                              "most 2 files per source (none was read)"});
  CHECK(l.files == 0);
  CHECK(l.objects.empty());

  limited.max_files = 3;  // at the limit: read
  CHECK(load(dir.path(), limited).files == 3);
}

TEST_CASE("a source whose files hold more bytes than the limit fails before any file is read") {
  TempDir dir;
  dir.write("a.yaml", cm("a"));
  dir.write("b.yaml", "a: [\n");
  const std::uintmax_t total =
      fs::file_size(dir.path() / "a.yaml") + fs::file_size(dir.path() / "b.yaml");
  LoaderOptions limited = options();
  limited.max_total_bytes = total - 1;
  const SourceLoad l = load(dir.path(), limited);
  CHECK(errors(l) == std::vector<std::string>{dir.path().string() + ": source's manifest files "
                                              "hold " + std::to_string(total) +
                                              " bytes; steward loads at most " +
                                              std::to_string(total - 1) +
                                              " bytes per source (none was read)"});
  CHECK(l.files == 0);
  CHECK(l.objects.empty());

  limited.max_total_bytes = total;  // at the limit: read, and b.yaml's own error shows
  const SourceLoad read = load(dir.path(), limited);
  CHECK(read.files == 2);
  REQUIRE(read.errors.size() == 1);
  CHECK_THAT(read.errors[0].to_string(), Catch::StartsWith((dir.path() / "b.yaml").string()));
}

TEST_CASE("opt-out annotations are read at load, and an unknown value is an error at its line") {
  TempDir dir;
  dir.write("ok.yaml", R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: kept
  annotations:
    steward.dev/reconcile: disabled
    steward.dev/prune: disabled
    steward.dev/ssa: IfNotPresent
    steward.dev/force: enabled
)");
  const SourceLoad good = load(dir.path());
  REQUIRE(errors(good).empty());
  REQUIRE(good.objects.size() == 1);
  const OptOuts& opt_outs = good.objects[0]->opt_outs;
  CHECK(opt_outs.reconcile_disabled);
  CHECK(opt_outs.prune_disabled);
  CHECK(opt_outs.if_not_present);
  CHECK(opt_outs.force_recreate);

  dir.write("bad.yaml", R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: typo
  annotations:
    steward.dev/ssa: Always
)");
  const SourceLoad bad = load(dir.path());
  CHECK(errors(bad) == std::vector<std::string>{(dir.path() / "bad.yaml").string() +
                                                ":6:22: steward.dev/ssa must be IfNotPresent, "
                                                "got \"Always\""});
  CHECK(bad.objects.empty());  // all or nothing

  dir.write("bad.yaml", R"(apiVersion: v1
kind: Namespace
metadata:
  name: typo
  annotations: {steward.dev/prune: "no"}
)");
  CHECK(errors(load(dir.path())) ==
        std::vector<std::string>{(dir.path() / "bad.yaml").string() +
                                 ":5:36: steward.dev/prune must be disabled or namespace-contents, "
                                 "got \"no\""});
}
