// Work queue throughput and latency: P producer and C consumer threads over distinct keys.
//
// One op is add + get + done of one key. Producers keep at most --window keys outstanding (added but
// not yet done), as a controller's queue holds at most one entry per object; without a bound the
// queue would grow without limit and "latency" would only measure the backlog.
//
// Prints:
//   queue_ops_per_sec=N        completed ops per second of wall time
//   queue_p99_latency_us=N     99th percentile of add -> get (time a key waits in the queue),
//   queue_p50_latency_us=N     over every kSampleEvery-th key
//   queue_cpu_ns_per_op=N      CPU time of the process (all threads, user + system) per op: on a
//                              loaded machine the threads get a share of the cores, and throughput
//                              follows this figure rather than wall time
// Metrics are on (a registry, as in the daemon) unless --no-metrics.

#include <CLI/CLI.hpp>
#include <prometheus/registry.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "queue/work_queue.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Latency is timed on one key in 16: two clock reads per key cost about 50 ns, a sixth of an op,
// and client-go's bench, which ops/s is compared with, reads no clock. 250,000 samples of 4,000,000
// keys still give stable percentiles.
constexpr int kSampleEvery = 16;

// Moves the calling thread to `cpu`. Unpinned, the scheduler decides whether producer and consumer
// share a core (handoffs stay in one cache) or not, and a run's ops/s swings by 2x with it.
void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Config {
  int producers = 1;
  int consumers = 1;
  int ops = 4'000'000;
  int window = 4096;
  bool metrics = true;
  bool split = false;
};

}  // namespace

int main(int argc, char** argv) {
  Config config;
  CLI::App app{"Work queue benchmark (name=value output)"};
  app.add_option("--producers", config.producers, "producer threads")->check(CLI::PositiveNumber);
  app.add_option("--consumers", config.consumers, "consumer threads")->check(CLI::PositiveNumber);
  app.add_option("--ops", config.ops, "keys to push through the queue")->check(CLI::PositiveNumber);
  app.add_option("--window", config.window, "most keys outstanding at once")
      ->check(CLI::PositiveNumber);
  app.add_flag("!--no-metrics", config.metrics, "measure without prometheus metrics");
  app.add_flag("--split", config.split,
               "producers on CPU 0, consumers on CPU 1: every handoff crosses cores");
  CLI11_PARSE(app, argc, argv);

  // Keys look like the daemon's (namespace/name) and are made before timing starts.
  std::vector<std::string> keys(config.ops);
  for (int i = 0; i < config.ops; ++i) keys[i] = "default/configmap-" + std::to_string(i);
  std::vector<Clock::time_point> added_at(config.ops);
  std::vector<float> latency_us((config.ops + kSampleEvery - 1) / kSampleEvery);

  prometheus::Registry registry;
  steward::queue::WorkQueue<std::string> queue(
      {.name = "bench", .registry = config.metrics ? &registry : nullptr});

  std::atomic<int> next{0};      // next key index a producer claims
  std::atomic<int> finished{0};  // keys done

  const double cpu_start = cpu_seconds();
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < config.producers; ++p) {
    threads.emplace_back([&] {
      if (config.split) pin_to(0);
      int seen_finished = 0;  // re-read only when the window looks full: the line is contended
      for (;;) {
        const int i = next.fetch_add(1, std::memory_order_relaxed);
        if (i >= config.ops) return;
        while (i - seen_finished >= config.window) {
          // Yield, as client-go's bench calls runtime.Gosched(): spinning would keep a consumer
          // that shares this core (a loaded machine) from making the room being waited for.
          std::this_thread::yield();
          seen_finished = finished.load(std::memory_order_acquire);
        }
        if (i % kSampleEvery == 0) added_at[i] = Clock::now();
        queue.add(keys[i]);
      }
    });
  }
  for (int c = 0; c < config.consumers; ++c) {
    threads.emplace_back([&] {
      if (config.split) pin_to(1);
      // Progress is published every kPublishEvery keys: a shared counter bumped per key would move
      // a cache line between the cores on every op and measure the benchmark, not the queue.
      constexpr int kPublishEvery = 64;
      int unpublished = 0;
      while (auto key = queue.get()) {
        // The key's index is its numeric suffix; parsing it keeps a map out of the hot path.
        int i = 0;
        std::from_chars(key->data() + key->rfind('-') + 1, key->data() + key->size(), i);
        if (i % kSampleEvery == 0) {
          latency_us[i / kSampleEvery] =
              std::chrono::duration<float, std::micro>(Clock::now() - added_at[i]).count();
        }
        queue.done(*key);
        if (++unpublished == kPublishEvery) {
          finished.fetch_add(unpublished, std::memory_order_release);
          unpublished = 0;
        }
      }
    });
  }
  // Producers first; then shutdown lets the consumers drain what is queued and exit.
  for (int p = 0; p < config.producers; ++p) threads[p].join();
  queue.shutdown();
  for (auto& thread : threads) {
    if (thread.joinable()) thread.join();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_start;

  std::sort(latency_us.begin(), latency_us.end());
  const auto percentile = [&](double p) {
    return latency_us[static_cast<std::size_t>(p * (latency_us.size() - 1))];
  };
  std::printf("queue_producers=%d\nqueue_consumers=%d\nqueue_metrics=%d\n", config.producers,
              config.consumers, config.metrics ? 1 : 0);
  std::printf("queue_ops_per_sec=%.0f\n", config.ops / seconds);
  std::printf("queue_p50_latency_us=%.1f\n", percentile(0.50));
  std::printf("queue_p99_latency_us=%.1f\n", percentile(0.99));
  std::printf("queue_cpu_ns_per_op=%.0f\n", cpu * 1e9 / config.ops);
  return 0;
}
