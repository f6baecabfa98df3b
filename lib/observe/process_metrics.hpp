#pragma once
// ProcessMetrics: the process_* family every Prometheus client library exports (the names of
// client_golang's process collector, so dashboards written for Go controllers work unchanged):
//
//   process_cpu_seconds_total        counter  user + system CPU time
//   process_resident_memory_bytes    gauge    resident set size
//   process_virtual_memory_bytes     gauge    virtual memory size
//   process_open_fds                 gauge    open file descriptors
//   process_max_fds                  gauge    the soft limit on open file descriptors
//   process_start_time_seconds       gauge    start time, seconds since the Unix epoch
//
// Read from /proc/self on `update()`, which the metrics server calls before each scrape: nothing
// runs between scrapes. Linux only (as steward is).

#include <memory>

namespace prometheus {
class Registry;
}

namespace steward::observe {

// What one read of /proc/self found; a field stays 0 when it could not be read.
struct ProcessSample {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;
  double start_time_seconds = 0;
};

// Reads /proc/self/stat, /proc/self/fd, /proc/stat (boot time) and the fd limit.
ProcessSample sample_process();

class ProcessMetrics {
 public:
  explicit ProcessMetrics(prometheus::Registry& registry);
  ~ProcessMetrics();
  ProcessMetrics(const ProcessMetrics&) = delete;
  ProcessMetrics& operator=(const ProcessMetrics&) = delete;

  // Re-reads /proc and sets every metric. Thread-safe.
  void update();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steward::observe
