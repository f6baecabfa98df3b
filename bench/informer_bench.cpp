// Informer figures: initial sync from steward-testapi, cache memory, and watch-event throughput.
//
//   sync: N ConfigMaps of B bytes seeded in steward-testapi; an informer lists (500 a page, over
//         TLS) until has_synced(). Prints sync_seconds, objects, rss_bytes (resident growth of this
//         process with the cache full), rss_bytes_per_object, heap_bytes_per_object (malloc'd and
//         not freed, per object: the cache's own size, without heap holes).
//         With --kubeconfig F the informer syncs the ConfigMaps already in --namespace of the server F
//         names (bench/compare seeds a real kube-apiserver) and nothing is seeded; rss_total_bytes
//         and rss_baseline_bytes then give VmRSS itself, after and before, as client-go's side
//         of bench/compare reports it.
//   events: E watch events (ADDED/MODIFIED over K keys, real JSON lines) fed to a reflector through
//         a scripted stream; measures decode + transform + store + handler dispatch. Prints
//         events_per_sec. The network is left out on purpose: it measures steward, not the server.

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "informer/informer.hpp"
#include "kube/kubeconfig.hpp"
#include "support/fake_lister_watcher.hpp"
#include "rss.hpp"
#include "support/testapi_process.hpp"

namespace {

using Clock = std::chrono::steady_clock;

using steward::bench::heap_in_use_bytes;
using steward::bench::rss_bytes;

// Where the sync's ConfigMaps are: a steward-testapi seeded here, or a server named by a kubeconfig.
struct Source {
  std::string kubeconfig;            // empty: start and seed a steward-testapi
  std::string namespace_ = "bench";  // steward-testapi seeds "bench"
};

void sync_figures(int objects, int bytes, const Source& source) {
  std::optional<steward::test::TestApiServer> server;
  steward::kube::KubeconfigOptions options;
  if (source.kubeconfig.empty()) {
    server.emplace(std::vector<std::string>{"--seed-configmaps", std::to_string(objects),
                                            "--seed-bytes", std::to_string(bytes)});
    options.explicit_path = server->kubeconfig();
  } else {
    options.explicit_path = source.kubeconfig;
  }
  boost::asio::io_context io;
  steward::kube::Client client(io, steward::kube::load_kubeconfig(options));
  const steward::kube::ResourceType configmaps{"", "v1", "configmaps", "ConfigMap", true};

  const long baseline = rss_bytes();
  const long heap_baseline = heap_in_use_bytes();
  auto informer = std::make_shared<steward::informer::Informer>(
      io, std::make_unique<steward::informer::ClientListerWatcher>(client, configmaps,
                                                               source.namespace_),
      steward::informer::InformerOptions{});
  const auto start = Clock::now();
  informer->start();
  while (!informer->has_synced()) io.run_one();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const long total = rss_bytes();
  const long grown = total - baseline;
  const long heap_grown = heap_in_use_bytes() - heap_baseline;
  const auto cached = informer->store().size();
  informer->stop();
  io.run_for(std::chrono::milliseconds(200));

  std::printf("sync_seconds=%.3f\n", seconds);
  std::printf("objects=%zu\n", cached);
  std::printf("rss_bytes=%ld\n", grown);
  std::printf("rss_total_bytes=%ld\n", total);
  std::printf("rss_baseline_bytes=%ld\n", baseline);
  std::printf("rss_bytes_per_object=%.0f\n", cached ? static_cast<double>(grown) / cached : 0.0);
  std::printf("heap_bytes_per_object=%.0f\n",
              cached ? static_cast<double>(heap_grown) / cached : 0.0);
}

void event_figures(int events, int keys) {
  boost::asio::io_context io;
  auto source = std::make_unique<steward::test::FakeListerWatcher>(io, [](const auto&) {
    steward::kube::ListReply reply;
    reply.resource_version = "1";
    return reply;
  });
  auto* fake = source.get();
  std::size_t seen = 0;
  auto informer = std::make_shared<steward::informer::Informer>(
      io, std::move(source), steward::informer::InformerOptions{.resync = std::chrono::seconds(0)});
  informer->add_handlers({[&](const auto&) { ++seen; }, [&](const auto&, const auto&) { ++seen; },
                          [&](const auto&) { ++seen; }});
  informer->start();
  while (fake->streams.empty()) io.run_one();

  // Lines as the server sends them: a ~600-byte ConfigMap with managedFields, per event.
  std::vector<std::string> lines;
  lines.reserve(events);
  for (int i = 0; i < events; ++i) {
    const std::string name = "cm-" + std::to_string(i % keys);
    lines.push_back(
        std::string(R"({"type":")") + (i < keys ? "ADDED" : "MODIFIED") +
        R"(","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":")" + name +
        R"(","namespace":"bench","uid":"0b1e6f1c-1f5e-4a8e-9d5a-)" + std::to_string(100000 + i % keys) +
        R"(","resourceVersion":")" + std::to_string(i + 2) +
        R"(","creationTimestamp":"2026-11-25T10:00:00Z","labels":{"app.kubernetes.io/managed-by":"steward"},)" +
        R"("managedFields":[{"manager":"steward","operation":"Apply","apiVersion":"v1","time":"2026-11-25T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:key":{}}}}]},)" +
        R"("data":{"key":"value-)" + std::to_string(i) + R"("}}})");
  }
  auto* stream = fake->streams.back();
  const auto start = Clock::now();
  for (const auto& line : lines) stream->push(line);
  while (seen < static_cast<std::size_t>(events)) io.run_one();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  informer->stop();
  io.run_for(std::chrono::milliseconds(50));
  std::printf("events=%d\n", events);
  std::printf("events_per_sec=%.0f\n", events / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  int objects = 50'000;
  int bytes = 1024;
  int events = 200'000;
  int keys = 1'000;
  Source source;
  CLI::App app{"Informer benchmark (name=value output)"};
  app.add_option("--objects", objects, "ConfigMaps to seed for the sync");
  app.add_option("--bytes", bytes, "bytes of data per ConfigMap");
  app.add_option("--keys", keys, "distinct objects the events touch");
  app.add_option("--kubeconfig", source.kubeconfig,
                 "sync from the server this names instead of a seeded steward-testapi");
  auto* namespace_option = app.add_option("--namespace", source.namespace_,
                                          "namespace of the ConfigMaps (with --kubeconfig)");
  namespace_option->needs(app.get_option("--kubeconfig"));
  app.add_option("--events", events, "watch events for the throughput figure (0: none)");
  CLI11_PARSE(app, argc, argv);
  sync_figures(objects, bytes, source);
  if (events > 0) event_figures(events, keys);
  return 0;
}
