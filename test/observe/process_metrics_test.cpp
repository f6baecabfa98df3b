// ProcessMetrics reads this very process from /proc: values are checked against what the test
// itself does (opens a file, burns CPU), not against fixed numbers.
#include <catch2/catch.hpp>

#include <prometheus/registry.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>

#include "observe/process_metrics.hpp"

using steward::observe::ProcessMetrics;
using steward::observe::sample_process;

namespace {

// Family name -> value of its single sample, as a scrape would see it.
std::map<std::string, double> scrape(prometheus::Registry& registry) {
  std::map<std::string, double> out;
  for (const auto& family : registry.Collect()) {
    for (const auto& metric : family.metric) {
      out[family.name] = family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                                          : metric.gauge.value;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a process sample counts this process's memory, descriptors and start time") {
  const auto before = sample_process();
  CHECK(before.resident_bytes > 1024 * 1024);
  CHECK(before.virtual_bytes >= before.resident_bytes);
  CHECK(before.max_fds >= before.open_fds);
  const double now = static_cast<double>(std::time(nullptr));
  CHECK(before.start_time_seconds > now - 3600);
  CHECK(before.start_time_seconds <= now + 1);

  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  CHECK(sample_process().open_fds == before.open_fds + 1);
  std::fclose(file);
  CHECK(sample_process().open_fds == before.open_fds);
}

TEST_CASE("process metrics have client_golang's names and follow the process") {
  prometheus::Registry registry;
  ProcessMetrics metrics(registry);
  auto first = scrape(registry);
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                           "process_start_time_seconds"}) {
    CHECK(first.count(name) == 1);
  }
  CHECK(first["process_resident_memory_bytes"] > 0);

  // Burn CPU until the kernel's accounting (clock ticks) moves, then the counter follows.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  volatile double sink = 0;
  while (sample_process().cpu_seconds <= first["process_cpu_seconds_total"] &&
         std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 1000000; ++i) sink = sink + i * 0.5;
  }
  metrics.update();
  CHECK(scrape(registry)["process_cpu_seconds_total"] > first["process_cpu_seconds_total"]);
}
