// `steward diff` (Differ) and the reconciler share plan(): against one steward-testapi state, a
// table of desired/live pairs, the diff shows a change for exactly the keys a dry-run reconcile
// would write (create, correct or prune), and for no other.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "desired/desired_state_store.hpp"
#include "kube/discovery.hpp"
#include "kube/kubeconfig.hpp"
#include "reconcile/differ.hpp"
#include "reconcile/reconciler.hpp"
#include "support/async.hpp"
#include "support/files.hpp"
#include "support/testapi_process.hpp"

using namespace steward;
using namespace steward::test;
namespace fs = std::filesystem;
using desired::ObjectKey;

namespace {

const kube::ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};
const kube::ResourceType kNamespaces{"", "v1", "namespaces", "Namespace", false};


std::string config_map(const std::string& name, const std::string& value) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "}\ndata: {a: \"" + value +
         "\"}\n---\n";
}

// The live objects of a set of keys, read by GET before a reconcile pass: the reconciler sees
// what the differ sees.
struct FetchedLive final : reconcile::LiveView {
  std::map<ObjectKey, kube::ObjectPtr> objects;
  reconcile::LiveLookup find(const ObjectKey& key) const override {
    const auto found = objects.find(key);
    return {.type = kConfigMaps,
            .synced = true,
            .object = found != objects.end() ? found->second : nullptr};
  }
};

struct Env {
  TestApiServer server;
  Loop loop;
  kube::Client client;  // steward's
  kube::Client other;   // someone else's
  kube::Discovery discovery;
  const std::string ns = "agree-" + std::to_string(::getpid());
  const fs::path pruned_dir = server.dir() / "pruned";
  const fs::path kept_dir = server.dir() / "kept";
  const std::vector<reconcile::SourceOptions> sources{
      {.spec = {.name = "pruned", .path = pruned_dir, .default_namespace = ns}, .prune = true},
      {.spec = {.name = "kept", .path = kept_dir, .default_namespace = ns}, .prune = false}};

  Env() : client(loop.io, rest()), other(loop.io, rest()), discovery(client) {
    REQUIRE(loop.sync(other.create(kNamespaces, "",
                                   json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" +
                                        ns + R"("}})")))
                .ok());
    REQUIRE_FALSE(loop.sync(discovery.refresh()));
  }
  kube::RestConfig rest() const {
    kube::KubeconfigOptions options;
    options.explicit_path = server.kubeconfig();
    return kube::load_kubeconfig(options);
  }

  std::shared_ptr<const desired::DesiredState> load() {
    desired::DesiredStateStore store;
    desired::LoaderOptions options;
    options.is_namespaced = reconcile::discovery_scopes(discovery);
    for (const auto& source : sources) {
      REQUIRE(store.apply(desired::load_source(source.spec, options)).accepted);
    }
    return store.current();
  }

  // Every key the desired state names or steward's label selects in the namespace.
  std::set<ObjectKey> keys(const desired::DesiredState& state) {
    std::set<ObjectKey> out;
    for (const auto& [key, object] : state.objects()) out.insert(key);
    kube::ListOptions options;
    options.label_selector = std::string(reconcile::kOwnershipSelector);
    auto list = loop.sync(other.list_all(kConfigMaps, ns, options));
    REQUIRE(list.ok());
    for (const auto& item : list.items) out.insert(reconcile::key_of(*item));
    return out;
  }

  // One reconcile of every key, the live objects read by GET; the results by key.
  std::map<ObjectKey, reconcile::Result> reconcile_all(bool dry_run) {
    const auto state = load();
    const std::set<ObjectKey> all = keys(*state);
    FetchedLive live;
    for (const auto& key : all) {
      auto reply = loop.sync(other.get(kConfigMaps, key.ns, key.name));
      if (reply.ok()) live.objects[key] = reply.object;
    }
    reconcile::Reconciler reconciler(
        client, live, [state] { return state; },
        {.may_prune = [](std::string_view source) {
          return source == "pruned" ? reconcile::PruneVerdict::kAllowed
                                    : reconcile::PruneVerdict::kOff;
        }});
    reconciler.set_dry_run(dry_run);
    std::map<ObjectKey, reconcile::Result> out;
    for (const auto& key : all) out[key] = loop.sync(reconciler.reconcile(key, "t")).outcome.result;
    return out;
  }

  void apply_as(const std::string& manager, const std::string& body) {
    REQUIRE(loop.sync(other.apply(kConfigMaps, ns, json(body),
                                  kube::ApplyOptions{.field_manager = manager, .force = true}))
                .ok());
  }
};

bool writes(reconcile::Result result) {
  return result == reconcile::Result::kCreated || result == reconcile::Result::kCorrected ||
         result == reconcile::Result::kPruned;
}

}  // namespace

TEST_CASE("steward diff and a dry-run reconcile agree on a table of desired and live objects") {
  Env env;
  // What steward applied earlier.
  write_file(env.pruned_dir / "a.yaml", config_map("same", "1") + config_map("drifted", "1") +
                                            config_map("extra", "1") + config_map("changed", "1") +
                                            config_map("gone", "1") + config_map("dying", "1") +
                                            config_map("owned", "1"));
  write_file(env.kept_dir / "a.yaml", config_map("kept", "1") + config_map("gone-kept", "1"));
  for (const auto& [key, result] : env.reconcile_all(false)) {
    INFO(key.to_string());
    REQUIRE(result == reconcile::Result::kCreated);
  }
  // Then others' edits, and a new desired state.
  const std::string meta = R"("apiVersion":"v1","kind":"ConfigMap","metadata":{"name":)";
  env.apply_as("intruder", "{" + meta + R"("drifted"},"data":{"a":"2"}})");
  env.apply_as("labeller", "{" + meta + R"("extra","labels":{"team":"x"}}})");
  env.apply_as("elsewhere", "{" + meta +
                                R"("foreign","labels":{"app.kubernetes.io/managed-by":"steward"},)"
                                R"("annotations":{"steward.dev/source":"elsewhere"}}})");
  env.apply_as("finalizer", "{" + meta + R"("dying","finalizers":["example.com/hold"]}})");
  // steward's marks copied onto an object steward never applied, of a source that prunes.
  env.apply_as("copier", "{" + meta +
                             R"("copied","labels":{"app.kubernetes.io/managed-by":"steward"},)"
                             R"("annotations":{"steward.dev/source":"pruned"}}})");
  // An object steward applied that another object has since taken control of.
  env.apply_as("adopter", "{" + meta +
                              R"("owned","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap",)"
                              R"("name":"same","uid":"0000","controller":true}]}})");
  REQUIRE(env.loop.sync(env.other.remove(kConfigMaps, env.ns, "dying", {})).ok());
  write_file(env.pruned_dir / "a.yaml", config_map("same", "1") + config_map("drifted", "1") +
                                            config_map("extra", "1") + config_map("changed", "3") +
                                            config_map("create", "1"));
  write_file(env.kept_dir / "a.yaml", config_map("kept", "1"));

  const std::map<std::string, bool> expected = {
      {"create", true},  {"same", false},  {"drifted", true},   {"extra", false},
      {"changed", true}, {"gone", true},   {"gone-kept", false}, {"foreign", false},
      {"dying", false},  {"kept", false},  {"copied", false},    {"owned", false}};

  reconcile::Differ differ(env.client, env.discovery, env.sources);
  const reconcile::DiffReport report = env.loop.sync(differ.run());
  CHECK(report.errors.empty());
  CHECK(report.load_errors.empty());
  std::set<std::string> shown;
  for (const auto& change : report.changes) shown.insert(change.key.name);

  const auto reconciled = env.reconcile_all(true);
  std::set<std::string> seen;
  for (const auto& [key, result] : reconciled) {
    INFO(key.name << ": reconcile " << reconcile::to_string(result));
    seen.insert(key.name);
    REQUIRE(expected.count(key.name) == 1);
    CHECK(writes(result) == expected.at(key.name));
    CHECK(shown.contains(key.name) == writes(result));
  }
  for (const auto& [name, change] : expected) {
    INFO(name);
    CHECK(seen.contains(name));
  }
}
