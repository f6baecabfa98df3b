// steward diff: what `steward run` would change, as a unified diff per object (as `kubectl diff`).
//
//   steward diff --config FILE [--kubeconfig F] [--context C] [--in-cluster]
//
// Only the fields steward sets are compared: the apply body (the manifest plus steward's label and
// annotations, reconcile/ownership.hpp) against the live object's values at the same paths. For
// each desired object, in key order:
//   not in the cluster (404, or its kind is not served)   the whole body, as new (--- /dev/null)
//   no drift from the body (reconcile/drift.hpp)          nothing, and no further API call
//   drifted                                               a server-side dry-run apply of the body,
//       as the daemon would send it (fieldManager steward, force); when the answer's values at the
//       body's paths are drift from the live object (the reconciler's memo rule), the live
//       object's values at those paths against the answer's. So a value the server normalises
//       (cpu 0.5 is stored as 500m) is no change, as it is none for the daemon.
// Then, for each source with prune, steward's objects of that source (label and source annotation)
// of the kinds in the desired state that it no longer defines, each as removed (+++ /dev/null).
// The daemon's pruneFraction guard is not applied: the diff shows what the desired state asks for.
//
// Exit 0: nothing would change; 1: something would; 2: an error (the config or a source does not
// load, the server cannot be reached, an API call fails), one line each on stderr. A failing
// object does not stop the others; a source that fails to load stops everything, since its
// objects would all look like prunes.

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include "cluster_connection.hpp"
#include "commands.hpp"
#include "desired/desired_state_store.hpp"
#include "informer/reflector.hpp"
#include "kube/client.hpp"
#include "kube/config_error.hpp"
#include "kube/discovery.hpp"
#include "reconcile/controller.hpp"
#include "reconcile/drift.hpp"
#include "reconcile/object_diff.hpp"
#include "reconcile/ownership.hpp"
#include "manager/steward_config.hpp"

namespace steward::cmd {
namespace {

namespace asio = boost::asio;

// kubectl diff's exit codes.
constexpr int kExitNoChanges = 0;
constexpr int kExitChanges = 1;
constexpr int kExitError = 2;

struct DiffFlags {
  std::string config;
  ClusterFlags cluster;
};

// "apps/v1/Deployment/default/web", "v1/Namespace/team-a": the name of a side of a diff.
std::string object_path(std::string_view api_version, const desired::ObjectKey& key) {
  std::string out(api_version);
  out.append("/").append(key.kind).append("/");
  if (!key.ns.empty()) out.append(key.ns).append("/");
  return out.append(key.name);
}

class Differ {
 public:
  Differ(kube::Client& client, const manager::StewardConfig& config)
      : client_(client), discovery_(client), config_(config) {}

  asio::awaitable<int> run() {
    if (auto error = co_await discovery_.refresh()) {
      fail("discovery: " + error->to_string());
      co_return kExitError;
    }
    const auto state = load_sources();
    if (!state) co_return kExitError;
    for (const auto& entry : state->objects()) co_await diff_object(*entry.second);
    co_await diff_prunes(*state);
    co_return failed_ ? kExitError : changed_ ? kExitChanges : kExitNoChanges;
  }

 private:
  // Every source, with scopes from discovery as the daemon loads them; null if any fails.
  std::shared_ptr<const desired::DesiredState> load_sources() {
    desired::LoaderOptions options;
    options.is_namespaced = reconcile::discovery_scopes(discovery_);
    desired::DesiredStateStore store;
    bool ok = true;
    for (const manager::SourceConfig& source : config_.sources) {
      const desired::StoreUpdate update = store.apply(desired::load_source(
          {.name = source.name, .path = source.path, .default_namespace = source.default_namespace},
          options));
      for (const auto& error : update.errors) std::cerr << error.to_string() << "\n";
      ok = ok && update.accepted;
    }
    return ok ? store.current() : nullptr;
  }

  asio::awaitable<void> diff_object(const desired::DesiredObject& desired) {
    const reconcile::ApplyBody body = reconcile::make_apply_body(desired);
    const std::string_view api_version = kube::string_at(*desired.object, {"apiVersion"});
    const std::string path = object_path(api_version, desired.key);
    const auto type = discovery_.find(api_version, desired.key.kind);
    if (!type) {  // not served (a CRD not created yet): nothing of it can exist
      show(reconcile::object_diff(nullptr, body.object.get(), "/dev/null", "desired/" + path));
      co_return;
    }
    const std::string ns = type->namespaced ? desired.key.ns : std::string();
    const kube::ObjectReply live = co_await client_.get(*type, ns, desired.key.name);
    if (!live.ok()) {
      if (live.error->is_not_found()) {
        show(reconcile::object_diff(nullptr, body.object.get(), "/dev/null", "desired/" + path));
      } else {
        fail(desired.key.to_string() + ": get: " + live.error->to_string());
      }
      co_return;
    }
    if (!reconcile::find_drift(*body.object, *live.object).drifted) co_return;

    kube::ApplyOptions dry_run;
    dry_run.dry_run = true;
    const kube::ObjectReply answer = co_await client_.apply(*type, ns, *body.object, dry_run);
    if (!answer.ok()) {
      fail(desired.key.to_string() + ": dry-run apply: " + answer.error->to_string());
      co_return;
    }
    rapidjson::Document projections;
    auto& allocator = projections.GetAllocator();
    const rapidjson::Value after = reconcile::project(*body.object, *answer.object, allocator);
    if (!reconcile::find_drift(after, *live.object).drifted) co_return;  // normalised only
    const rapidjson::Value before = reconcile::project(*body.object, *live.object, allocator);
    show(reconcile::object_diff(&before, &after, "live/" + path, "desired/" + path));
  }

  // Listed per kind of the desired state with the ownership selector, as the daemon's informers
  // see them; objects already being deleted are left out, as the daemon leaves them.
  asio::awaitable<void> diff_prunes(const desired::DesiredState& state) {
    std::set<std::string, std::less<>> pruned_sources;
    for (const auto& source : config_.sources) {
      if (source.prune) pruned_sources.insert(source.name);
    }
    if (pruned_sources.empty()) co_return;
    std::set<std::pair<std::string, std::string>> listed;  // (group, kind)
    std::map<desired::ObjectKey, std::shared_ptr<kube::Object>> removed;
    for (const auto& [api_version, kind] : state.types()) {
      const auto type = discovery_.find(api_version, kind);
      if (!type || !listed.insert({type->group, type->kind}).second) continue;
      kube::ListOptions options;
      options.label_selector = std::string(reconcile::kOwnershipSelector);
      kube::ListReply list = co_await client_.list_all(*type, "", options);
      if (!list.ok()) {
        fail("list " + type->qualified_resource() + ": " + list.error->to_string());
        continue;
      }
      for (auto& item : list.items) {
        if (!pruned_sources.contains(reconcile::owning_source(*item))) continue;
        if (!kube::string_at(*item, {"metadata", "deletionTimestamp"}).empty()) continue;
        desired::ObjectKey key = reconcile::key_of(*item);
        if (state.find(key) == nullptr) removed.emplace(std::move(key), std::move(item));
      }
    }
    for (const auto& [key, live] : removed) {
      informer::default_transform(*live);  // managedFields: noise, and not what is deleted
      const std::string path = object_path(kube::string_at(*live, {"apiVersion"}), key);
      show(reconcile::object_diff(live.get(), nullptr, "live/" + path, "/dev/null"));
    }
  }

  void show(const std::string& diff) {
    if (diff.empty()) return;
    changed_ = true;
    std::cout << diff;
  }

  void fail(const std::string& message) {
    failed_ = true;
    std::cerr << "steward: " << message << "\n";
  }

  kube::Client& client_;
  kube::Discovery discovery_;
  const manager::StewardConfig& config_;
  bool changed_ = false;
  bool failed_ = false;
};

int run_diff(const DiffFlags& flags) {
  const manager::ConfigLoad load = manager::load_config_file(flags.config);
  if (!load.ok()) {
    for (const auto& error : load.errors) std::cerr << error.to_string() << "\n";
    return kExitError;
  }
  const manager::StewardConfig& config = *load.config;
  try {
    const kube::RestConfig rest = load_rest_config(with_config(flags.cluster, config.cluster));
    asio::io_context io;
    kube::Client client(io, rest, client_options(config.cluster));
    Differ differ(client, config);
    int exit_code = kExitError;
    asio::co_spawn(io, differ.run(), [&exit_code](std::exception_ptr error, int code) {
      if (error) std::rethrow_exception(error);
      exit_code = code;
    });
    io.run();
    std::cout.flush();
    return exit_code;
  } catch (const std::exception& e) {  // a bad kubeconfig, TLS material that does not load
    std::cerr << "steward: " << e.what() << "\n";
    return kExitError;
  }
}

}  // namespace

Command add_diff_command(CLI::App& app) {
  auto flags = std::make_shared<DiffFlags>();
  auto* diff = app.add_subcommand(
      "diff",
      "Show what `steward run` would change, a unified diff per object (exit 0 none, 1 some)");
  diff->add_option("--config", flags->config, "StewardConfig file (see config/steward.yaml)")
      ->required();
  add_cluster_options(*diff, flags->cluster);
  diff->footer(
      "Compares the fields steward sets (the manifest, its label and annotations) with the live\n"
      "object, through a server-side dry-run apply so values the server normalises are no change.\n"
      "Sources with prune: true also list steward's objects they no longer define, as removals\n"
      "(the daemon's pruneFraction guard is not applied here).\n"
      "Exit codes, as kubectl diff: 0 nothing would change, 1 something would, 2 error.");
  return [flags] { return run_diff(*flags); };
}

}  // namespace steward::cmd
