// Listing many objects through the API client, from steward-testapi over TLS.
//
// Seeds N ConfigMaps of B bytes in the test server, then lists them with the client: paged (500 a
// page, as the reflector does) and in one response. Prints:
//   list_objects=N
//   list_paged_seconds=S          list_unpaged_seconds=S
//   list_rss_baseline_mb=M        resident memory of this process (the client) before listing
//   list_paged_peak_rss_mb=M      peak resident memory after the paged list (all N objects held)
//   list_unpaged_peak_rss_mb=M    peak after the one-response list (whole body + objects at once)
//   list_paged_bytes_per_object=B (paged peak - baseline) / N

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <string>

#include "kube/client.hpp"
#include "kube/kubeconfig.hpp"
#include "rss.hpp"
#include "support/testapi_process.hpp"

namespace {

double rss_mb() { return static_cast<double>(steward::bench::rss_bytes()) / (1024.0 * 1024.0); }

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  int objects = 50'000;
  int bytes = 1024;
  CLI::App app{"List benchmark (name=value output)"};
  app.add_option("--objects", objects, "ConfigMaps to seed");
  app.add_option("--bytes", bytes, "bytes of data per ConfigMap");
  CLI11_PARSE(app, argc, argv);

  steward::test::TestApiServer server(
      {"--seed-configmaps", std::to_string(objects), "--seed-bytes", std::to_string(bytes)});
  steward::kube::KubeconfigOptions options;
  options.explicit_path = server.kubeconfig();
  boost::asio::io_context io;
  steward::kube::Client client(io, steward::kube::load_kubeconfig(options));
  const steward::kube::ResourceType configmaps{"", "v1", "configmaps", "ConfigMap", true};

  const double baseline = rss_mb();
  auto timed_list = [&](int limit) {
    std::size_t count = 0;
    const auto start = std::chrono::steady_clock::now();
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          steward::kube::ListOptions list_options;
          list_options.limit = limit;
          auto reply = co_await client.list_all(configmaps, "bench", list_options);
          count = reply.ok() ? reply.items.size() : 0;
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    io.restart();
    io.run();
    return std::pair{count, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
  };
  const auto [paged_count, paged_seconds] = timed_list(500);
  const double paged_peak = peak_rss_mb();
  const auto [unpaged_count, unpaged_seconds] = timed_list(0);
  const double peak = peak_rss_mb();

  std::printf("list_objects=%zu\n", paged_count);
  std::printf("list_unpaged_objects=%zu\n", unpaged_count);
  std::printf("list_paged_seconds=%.3f\n", paged_seconds);
  std::printf("list_unpaged_seconds=%.3f\n", unpaged_seconds);
  std::printf("list_rss_baseline_mb=%.1f\n", baseline);
  std::printf("list_paged_peak_rss_mb=%.1f\n", paged_peak);
  std::printf("list_unpaged_peak_rss_mb=%.1f\n", peak);
  std::printf("list_paged_bytes_per_object=%.0f\n",
              paged_count ? (paged_peak - baseline) * 1024 * 1024 / static_cast<double>(paged_count)
                          : 0);
  return paged_count == static_cast<std::size_t>(objects) ? 0 : 1;
}
