// The chaos run (issue: "Prove it"): 1,000 managed objects of 5 kinds (one a CRD) while
// steward-testapi drops watches, answers 10% of requests with 429/503, adds latency, compacts etcd
// and expires the watch caches' history once and restarts twice, and another client keeps drifting objects. When the faults stop,
// everything must converge within 30 s: every desired object present and matching, the unmanaged
// objects untouched, and every cache equal to a fresh list of the server. And no event was lost:
// every resourceVersion the server produced for a managed object (steward's writes and the
// drifter's, from the write log) reached the informer's handlers, or a relist superseded it
// (test/support/delivery_check.hpp). Prints converged_seconds=, writes=, lost_events=.
//
// STEWARD_CHAOS_SECONDS sets how long the faults last (default 60; the sanitizer run shortens it).
// STEWARD_CHAOS_DROP_EVENT=1 shows the lost-events check failing: once the faults stop the server
// leaves one drift of a ConfigMap out of steward's watch, then a second write to it gets through,
// so steward still sees the drift, reverts it and converges: only lost_events (1) tells.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <prometheus/registry.h>
#include <random>
#include <set>
#include <thread>

#include "informer/informer_metrics.hpp"
#include "kube/discovery.hpp"
#include "kube/kubeconfig.hpp"
#include "reconcile/controller.hpp"
#include "support/async.hpp"
#include "support/cache_check.hpp"
#include "support/delivery_check.hpp"
#include "support/testapi_admin.hpp"
#include "support/testapi_process.hpp"

using namespace steward;
using namespace steward::test;
namespace fs = std::filesystem;

namespace {

constexpr int kPerKind = 200;
constexpr int kForeign = 20;
const std::string kNs = "chaos";

struct Kind {
  kube::ResourceType type;
  std::string api_version;
  std::string body;  // YAML after metadata, for one object
};

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> all = {
      {{"", "v1", "configmaps", "ConfigMap", true}, "v1", "data: {color: blue}\n"},
      {{"", "v1", "secrets", "Secret", true}, "v1", "stringData: {password: p4ss}\n"},
      {{"", "v1", "serviceaccounts", "ServiceAccount", true}, "v1", ""},
      {{"", "v1", "services", "Service", true}, "v1",
       "spec:\n  selector: {app: chaos}\n  ports: [{port: 80, targetPort: 8080}]\n"},
      {{"example.com", "v1", "gadgets", "Gadget", true}, "example.com/v1", "spec: {size: 3}\n"},
  };
  return all;
}

const kube::ResourceType kNamespaces{"", "v1", "namespaces", "Namespace", false};
const kube::ResourceType kCrds{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                               "CustomResourceDefinition", false};

bool drop_one_event() {
  const char* text = std::getenv("STEWARD_CHAOS_DROP_EVENT");
  return text && std::string(text) == "1";
}

int chaos_seconds() {
  const char* text = std::getenv("STEWARD_CHAOS_SECONDS");
  return text ? std::max(5, std::atoi(text)) : 60;
}

kube::RestConfig rest_config(const TestApiServer& server) {
  kube::KubeconfigOptions options;
  options.explicit_path = server.kubeconfig();
  return kube::load_kubeconfig(options);
}

// A client that keeps trying through the faults (the test's own writes and checks).
kube::ClientOptions stubborn() {
  kube::ClientOptions options;
  options.throttle.qps = 1000;
  options.throttle.adaptive = false;  // its 429s are the test's faults, not the server's load
  options.throttle.burst = 1000;
  options.retry.max_attempts = 100;
  options.retry.backoff.max = std::chrono::milliseconds(200);
  options.breaker.failure_threshold = 1000000;
  return options;
}

std::string object_name(int i) { return "o" + std::to_string(i); }

// The intruder's write: it owns the label `chaos` and, when given, an annotation.
bool drift(Loop& loop, kube::Client& intruder, const Kind& kind, const std::string& name,
           const std::string& note = "") {
  const std::string annotations =
      note.empty() ? "" : ",\"annotations\":{\"note\":\"" + note + "\"}";
  const auto body = json("{\"apiVersion\":\"" + kind.api_version + "\",\"kind\":\"" + kind.type.kind +
                         "\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + kNs +
                         "\",\"labels\":{\"chaos\":\"drifted\"}" + annotations + "}}");
  const kube::ApplyOptions apply{.field_manager = "intruder", .force = true};
  return loop.sync(intruder.apply(kind.type, kNs, body, apply)).ok();
}

// Each kind's informer and what its handlers were given from just after the first sync on.
struct Watched {
  std::shared_ptr<informer::Informer> informer;
  std::unique_ptr<DeliveryRecorder> recorder;
  informer::Informer::HandlerId handlers = 0;
};
// The recorders go after their handlers, whichever way the test ends.
struct WatchedKinds {
  std::vector<Watched> all;
  ~WatchedKinds() {
    for (const auto& w : all) w.informer->remove_handlers(w.handlers);
  }
};

// The versions the server produced for the managed objects that `watched` never heard of and no
// relist superseded ("" when none); `count` gets how many.
std::string undelivered(Loop& loop, kube::Client& admin, const WatchedKinds& watched,
                        std::size_t& count) {
  const auto produced = loop.sync(testapi_versions(admin));
  std::set<std::string> managed;
  for (int i = 0; i < kPerKind; ++i) managed.insert(kNs + "/" + object_name(i));
  std::string lost;
  count = 0;
  for (const auto& w : watched.all) {
    std::vector<TestApiVersion> ours;
    for (const auto& v : produced) {
      if (v.resource == w.informer->resource() && managed.count(v.key)) ours.push_back(v);
    }
    const auto missing = lost_events(ours, w.recorder->deliveries());
    count += missing.size();
    if (!missing.empty()) lost += w.informer->resource() + ": " + describe(missing);
  }
  return lost;
}

// What is wrong with the server's objects of `kind` in the test namespace, or "" when all
// kPerKind are there and carry the desired label value.
std::string check_kind(Loop& loop, kube::Client& client, const Kind& kind) {
  kube::ListOptions options;
  options.label_selector = "app.kubernetes.io/managed-by=steward";
  auto list = loop.sync(client.list_all(kind.type, kNs, options));
  if (!list.ok()) return kind.type.kind + ": list failed: " + list.error->to_string();
  int matching = 0;
  for (const auto& item : list.items) {
    if (kube::string_at(*item, {"metadata", "labels", "chaos"}) == "v1") ++matching;
  }
  if (matching == kPerKind) return "";
  return kind.type.kind + ": " + std::to_string(matching) + " of " + std::to_string(kPerKind) +
         " present and matching";
}

}  // namespace

TEST_CASE("chaos: faults, restarts and a drifting client, then everything converges", "[testapi]") {
  TestApiServer server;
  const fs::path manifests = server.dir() / "chaos-manifests";
  fs::create_directories(manifests);
  Loop loop;         // steward's I/O
  Loop other_loop;   // the test's and the intruder's
  kube::Client admin(other_loop.io, rest_config(server), stubborn());
  kube::Client intruder(other_loop.io, rest_config(server), stubborn());

  REQUIRE(other_loop.sync(admin.create(kNamespaces, "", json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + kNs + "\"}}"))).ok());
  // The CRD is in the cluster before steward starts; its objects are in the desired state.
  REQUIRE(other_loop.sync(admin.create(kCrds, "", json(R"({
    "apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
    "metadata":{"name":"gadgets.example.com"},
    "spec":{"group":"example.com","scope":"Namespaced",
            "names":{"plural":"gadgets","singular":"gadget","kind":"Gadget","listKind":"GadgetList"},
            "versions":[{"name":"v1","served":true,"storage":true,
                         "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}})"))).ok());
  // Unmanaged objects of a managed kind: steward must never touch them.
  std::map<std::string, std::string> foreign_versions;
  for (int i = 0; i < kForeign; ++i) {
    const std::string name = "foreign-" + std::to_string(i);
    auto created = other_loop.sync(admin.create(kinds()[0].type, kNs, json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"("},"data":{"mine":"yes"}})")));
    REQUIRE(created.ok());
    foreign_versions[name] = std::string(kube::string_at(*created.object, {"metadata", "resourceVersion"}));
  }
  for (const auto& kind : kinds()) {
    std::ofstream file(manifests / (kind.type.resource + ".yaml"));
    for (int i = 0; i < kPerKind; ++i) {
      file << "---\napiVersion: " << kind.api_version << "\nkind: " << kind.type.kind
           << "\nmetadata:\n  name: " << object_name(i) << "\n  labels: {chaos: v1}\n"
           << kind.body;
    }
  }

  // The informers' watch event counts tell the delivery recorders which deliveries were a watch's.
  prometheus::Registry informer_registry;
  informer::InformerMetrics informer_metrics(informer_registry);
  kube::ClientOptions client_options;  // steward's: the defaults, with a short breaker period
  client_options.throttle.qps = 500;
  client_options.throttle.burst = 500;
  client_options.breaker.open_for = std::chrono::milliseconds(500);
  kube::Client client(loop.io, rest_config(server), client_options);
  kube::Discovery discovery(client, {.min_refresh_interval = std::chrono::milliseconds(100)});
  reconcile::ControllerOptions options;
  options.sources.push_back({.spec = {.name = "chaos", .path = manifests, .default_namespace = kNs},
                             .prune = true});
  options.resync = std::chrono::seconds(10);
  options.backoff.cap = std::chrono::seconds(2);  // transient retries stay quick under faults
  options.watch_backoff = {.initial = std::chrono::milliseconds(50),
                           .max = std::chrono::milliseconds(500),
                           .factor = 2,
                           .jitter = 0.5,
                           .reset_after = std::chrono::seconds(5)};
  options.informer_metrics = &informer_metrics;
  reconcile::Controller controller(loop.io, client, discovery, options);
  REQUIRE(controller.start());
  REQUIRE(eventually([&] { return controller.status().in_sync(); }, std::chrono::seconds(120)));
  WatchedKinds watched;
  for (const auto& kind : kinds()) {
    auto informer = controller.informers().informer(kind.api_version, kind.type.kind);
    REQUIRE(informer);
    auto recorder = std::make_unique<DeliveryRecorder>(
        watch_event_count(informer_registry, informer->resource()));
    const auto id = informer->add_handlers(recorder->handlers());
    watched.all.push_back({std::move(informer), std::move(recorder), id});
  }
  const auto writes_before = controller.stats().applies + controller.stats().prunes;

  // The faults, and a client drifting objects meanwhile.
  std::atomic<bool> chaos{true};
  std::atomic<int> drifted{0};
  std::thread drifter([&] {
    std::mt19937 random(11);
    while (chaos) {
      const Kind& kind = kinds()[random() % kinds().size()];
      const std::string name = object_name(static_cast<int>(random() % kPerKind));
      if (drift(other_loop, intruder, kind, name)) ++drifted;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a steady 20 writes/s
    }
  });
  const int seconds = chaos_seconds();
  std::mt19937 random(7);
  REQUIRE(other_loop.sync(post_faults(admin, R"({"seed":7,"errorRate":0.1,"errorCodes":[429,503],"retryAfterSeconds":1,"latencyMs":20})")).ok());
  const auto started = std::chrono::steady_clock::now();
  const auto at = [&](double fraction) {
    return started + std::chrono::milliseconds(static_cast<long>(seconds * 1000 * fraction));
  };
  const std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> events = {
      {at(0.25), R"({"restart":true})"},
      {at(0.5), R"({"compact":true,"expireWatchHistory":true})"},
      {at(0.75), R"({"restart":true})"},
  };
  std::size_t next_event = 0;
  while (std::chrono::steady_clock::now() < at(1.0)) {
    if (next_event < events.size() && std::chrono::steady_clock::now() >= events[next_event].first) {
      other_loop.sync(post_faults(admin, events[next_event++].second));
    } else if (random() % 4 == 0) {
      other_loop.sync(post_faults(admin, R"({"closeWatches":true})"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  chaos = false;
  drifter.join();
  REQUIRE(other_loop.sync(post_faults(admin, R"({"reset":true})")).ok());
  const auto calm = std::chrono::steady_clock::now();
  if (drop_one_event()) {
    REQUIRE(other_loop.sync(post_faults(admin, R"({"dropWatchEvents":[{"path":"/api/v1/namespaces/chaos/configmaps/o0","count":1}]})")).ok());
    REQUIRE(drift(other_loop, intruder, kinds()[0], object_name(0)));  // steward's watch misses it
    REQUIRE(drift(other_loop, intruder, kinds()[0], object_name(0), "again"));  // and sees this
  }

  // Converged: the server holds every desired object as desired, steward is in sync, and every
  // cache equals a fresh list of the server.
  std::string problem;
  const bool converged = eventually(
      [&] {
        problem.clear();
        for (const auto& kind : kinds()) problem += check_kind(other_loop, admin, kind);
        if (!problem.empty()) return false;
        if (!controller.status().in_sync()) {
          problem = "steward not in sync";
          return false;
        }
        for (const auto& kind : kinds()) {
          const auto informer = controller.informers().informer(kind.api_version, kind.type.kind);
          if (!informer) {
            problem = kind.type.kind + ": no informer";
            return false;
          }
          const std::string difference =
              other_loop.sync(cache_difference(admin, kind.type, informer->store(), kNs,
                                               std::string(reconcile::kOwnershipSelector)));
          if (!difference.empty()) problem = kind.type.kind + " cache: " + difference;
        }
        return problem.empty();
      },
      std::chrono::seconds(30));
  const double converged_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - calm).count();
  const auto writes = controller.stats().applies + controller.stats().prunes - writes_before;
  // Once converged every cache holds each object's last version, so every event before it has
  // been delivered (or never will be).
  std::size_t lost = 0;
  const std::string lost_detail = undelivered(other_loop, admin, watched, lost);
  std::printf("chaos_seconds=%d\nconverged_seconds=%.2f\nwrites=%llu\ndrifts=%d\nlost_events=%zu\n",
              seconds, converged_seconds, static_cast<unsigned long long>(writes), drifted.load(),
              lost);
  INFO(problem);
  CHECK(converged);
  INFO(lost_detail);
  CHECK(lost == 0);
  for (std::size_t i = 0; i < watched.all.size(); ++i) {
    // A replaced informer's deliveries would be missing from the check.
    CHECK(controller.informers().informer(kinds()[i].api_version, kinds()[i].type.kind) ==
          watched.all[i].informer);
  }
  CHECK(drifted.load() > 0);
  controller.stop();

  // Nothing unmanaged was touched, and nothing managed was pruned.
  for (const auto& [name, version] : foreign_versions) {
    auto now = other_loop.sync(admin.get(kinds()[0].type, kNs, name));
    REQUIRE(now.ok());
    CHECK(kube::string_at(*now.object, {"metadata", "resourceVersion"}) == version);
  }
  CHECK(controller.stats().prunes == 0);
}
