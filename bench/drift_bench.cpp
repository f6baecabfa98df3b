// Drift-correction latency: how fast the closed loop undoes someone else's change.
//
// M ConfigMaps are desired (one manifest file) and created by a Controller against
// steward-testapi. Then an intruder client changes `data.color` of K of them, one every `interval`,
// at a steady rate, and a separate informer (the bench's own eyes, not steward's) records when each
// object is seen corrected. Latency per correction: from the intruder's write returning to the
// corrected object arriving on the bench's watch (both on loopback, so they bound the time the
// server saw between the two writes from above).
//
// Prints drift_p50_ms, drift_p99_ms, drift_max_ms, corrections, api_writes (steward's applies after
// the initial creates; exactly one per correction is the target) and objects.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "informer/informer.hpp"
#include "kube/discovery.hpp"
#include "kube/kubeconfig.hpp"
#include "reconcile/controller.hpp"
#include "support/testapi_process.hpp"

namespace {

using Clock = std::chrono::steady_clock;
const steward::kube::ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};

std::string name_of(int i) { return "drift-" + std::to_string(i); }

}  // namespace

int main(int argc, char** argv) {
  int objects = 1000;
  int changes = 200;
  int interval_ms = 10;
  CLI::App app{"Drift-correction latency of the closed loop against steward-testapi"};
  app.add_option("--objects", objects, "managed ConfigMaps (M)");
  app.add_option("--changes", changes, "objects the intruder changes (K <= M)");
  app.add_option("--interval-ms", interval_ms, "time between the intruder's writes");
  CLI11_PARSE(app, argc, argv);
  changes = std::min(changes, objects);

  using namespace steward;
  test::TestApiServer server;
  const auto manifests = server.dir() / "manifests";
  std::filesystem::create_directories(manifests);
  {
    std::ofstream out(manifests / "configmaps.yaml");
    for (int i = 0; i < objects; ++i) {
      out << "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: " << name_of(i)
          << "}\ndata: {color: blue, size: \"" << i << "\"}\n";
    }
  }
  kube::KubeconfigOptions kubeconfig;
  kubeconfig.explicit_path = server.kubeconfig();
  const auto rest = kube::load_kubeconfig(kubeconfig);

  // Steward's I/O and the bench's (intruder and eyes) run on separate io_contexts, as if in two
  // processes: neither delays the other's handlers.
  boost::asio::io_context steward_io;
  boost::asio::io_context io;
  auto steward_guard = boost::asio::make_work_guard(steward_io);
  auto guard = boost::asio::make_work_guard(io);
  std::thread steward_thread([&] { steward_io.run(); });
  std::thread io_thread([&] { io.run(); });
  {
    kube::Client steward_client(steward_io, rest);
    kube::Client client(io, rest);
    kube::Client intruder(io, rest);
    kube::Discovery discovery(steward_client);
    reconcile::ControllerOptions options;
    options.sources.push_back({.spec = {.name = "bench", .path = manifests}});
    reconcile::Controller controller(steward_io, steward_client, discovery, options);
    const auto created_from = Clock::now();
    controller.start();
    const auto deadline = Clock::now() + std::chrono::minutes(5);
    while (!controller.status().in_sync() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const double create_seconds =
        std::chrono::duration<double>(Clock::now() - created_from).count();
    const auto initial_applies = controller.stats().applies;

    // The bench's own view of the server: every ConfigMap, not only steward's.
    std::mutex mu;
    std::map<std::string, Clock::time_point> changed_at;  // written red, not yet seen blue
    std::vector<double> latencies_ms;
    auto eyes = std::make_shared<informer::Informer>(
        io, std::make_unique<informer::ClientListerWatcher>(client, kConfigMaps, "default"),
        informer::InformerOptions{.resync = std::chrono::seconds(0)});
    eyes->add_handlers({.on_update = [&](const informer::ObjectPtr&,
                                         const informer::ObjectPtr& object) {
      if (kube::string_at(*object, {"data", "color"}) != "blue") return;
      const auto now = Clock::now();
      std::lock_guard lock(mu);
      auto found = changed_at.find(std::string(kube::string_at(*object, {"metadata", "name"})));
      if (found == changed_at.end()) return;
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(now - found->second).count());
      changed_at.erase(found);
    }});
    eyes->start();
    while (!eyes->has_synced()) std::this_thread::sleep_for(std::chrono::milliseconds(10));

    // The intruder: one write every interval, at a steady rate (not waiting for corrections).
    auto intrude = [&]() -> boost::asio::awaitable<void> {
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
      auto next = Clock::now();
      for (int i = 0; i < changes; ++i) {
        next += std::chrono::milliseconds(interval_ms);
        timer.expires_at(next);
        co_await timer.async_wait(boost::asio::use_awaitable);
        const int index = i * objects / changes;
        rapidjson::Document body;
        const std::string text = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" +
                                 name_of(index) + R"("},"data":{"color":"red"}})";
        body.Parse(text.c_str());
        const kube::ApplyOptions intruder_options{.field_manager = "intruder", .force = true};
        {
          // From the moment the write is sent: the correction may arrive before its reply does.
          std::lock_guard lock(mu);
          changed_at[name_of(index)] = Clock::now();
        }
        const auto reply = co_await intruder.apply(kConfigMaps, "default", body, intruder_options);
        if (!reply.ok()) {
          std::lock_guard lock(mu);
          changed_at.erase(name_of(index));
        }
      }
    };
    boost::asio::co_spawn(io, intrude(), boost::asio::use_future).get();
    const auto until = Clock::now() + std::chrono::minutes(2);
    for (;;) {
      {
        std::lock_guard lock(mu);
        if (changed_at.empty() || Clock::now() > until) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Let late duplicate writes (if any) show up in the count before reading it.
    while (!controller.status().in_sync() && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const auto writes = controller.stats().applies - initial_applies;
    eyes->stop();
    controller.stop();

    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto at = [&](double q) {
      if (latencies_ms.empty()) return 0.0;
      return latencies_ms[std::min(latencies_ms.size() - 1,
                                   static_cast<std::size_t>(q * latencies_ms.size()))];
    };
    std::printf("objects=%d\n", objects);
    std::printf("create_seconds=%.2f\n", create_seconds);
    std::printf("corrections=%zu\n", latencies_ms.size());
    std::printf("api_writes=%llu\n", static_cast<unsigned long long>(writes));
    std::printf("drift_p50_ms=%.2f\n", at(0.50));
    std::printf("drift_p99_ms=%.2f\n", at(0.99));
    std::printf("drift_max_ms=%.2f\n", latencies_ms.empty() ? 0.0 : latencies_ms.back());
  }
  guard.reset();
  steward_guard.reset();
  io.stop();
  steward_io.stop();
  io_thread.join();
  steward_thread.join();
  return 0;
}
