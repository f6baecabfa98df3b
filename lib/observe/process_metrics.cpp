#include "observe/process_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

namespace steward::observe {
namespace {

// Seconds since the epoch at which the machine booted (/proc/stat "btime"), 0 if unreadable.
double boot_time() {
  std::ifstream stat("/proc/stat");
  std::string key;
  double value = 0;
  while (stat >> key) {
    if (key == "btime") {
      stat >> value;
      return value;
    }
    stat.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

ProcessSample sample_process() {
  ProcessSample sample;
  // /proc/self/stat: the command name (field 2) is in parentheses and may hold spaces, so fields
  // are counted from the last ')'. Fields (1-based, proc(5)): 14 utime, 15 stime, 22 starttime
  // (clock ticks since boot), 23 vsize (bytes), 24 rss (pages).
  std::ifstream stat_file("/proc/self/stat");
  const std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    for (int index = 3; fields >> field; ++index) {
      if (index == 14 || index == 15) sample.cpu_seconds += std::stod(field) / ticks;
      if (index == 22) sample.start_time_seconds = boot_time() + std::stod(field) / ticks;
      if (index == 23) sample.virtual_bytes = std::stod(field);
      if (index == 24) {
        sample.resident_bytes = std::stod(field) * page;
        break;
      }
    }
  }
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ++sample.open_fds;
  }
  // The iterator's own descriptor on /proc/self/fd was counted while it was open.
  if (sample.open_fds > 0) --sample.open_fds;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) sample.max_fds = static_cast<double>(limit.rlim_cur);
  return sample;
}

struct ProcessMetrics::Impl {
  explicit Impl(prometheus::Registry& registry)
      : cpu(prometheus::BuildCounter()
                .Name("process_cpu_seconds_total")
                .Help("Total user and system CPU time spent in seconds.")
                .Register(registry)
                .Add({})),
        resident(gauge(registry, "process_resident_memory_bytes", "Resident memory size in bytes.")),
        virt(gauge(registry, "process_virtual_memory_bytes", "Virtual memory size in bytes.")),
        open_fds(gauge(registry, "process_open_fds", "Number of open file descriptors.")),
        max_fds(gauge(registry, "process_max_fds", "Maximum number of open file descriptors.")),
        start_time(gauge(registry, "process_start_time_seconds",
                         "Start time of the process since unix epoch in seconds.")) {}

  static prometheus::Gauge& gauge(prometheus::Registry& registry, const char* name,
                                  const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
  }

  std::mutex mu;  // serialises updates (the counter is advanced by differences)
  prometheus::Counter& cpu;
  prometheus::Gauge& resident;
  prometheus::Gauge& virt;
  prometheus::Gauge& open_fds;
  prometheus::Gauge& max_fds;
  prometheus::Gauge& start_time;
};

ProcessMetrics::ProcessMetrics(prometheus::Registry& registry)
    : impl_(std::make_unique<Impl>(registry)) {
  update();
}

ProcessMetrics::~ProcessMetrics() = default;

void ProcessMetrics::update() {
  const ProcessSample sample = sample_process();
  std::lock_guard lock(impl_->mu);
  // A counter only goes up: advance it to the CPU time read now.
  const double delta = sample.cpu_seconds - impl_->cpu.Value();
  if (delta > 0) impl_->cpu.Increment(delta);
  impl_->resident.Set(sample.resident_bytes);
  impl_->virt.Set(sample.virtual_bytes);
  impl_->open_fds.Set(sample.open_fds);
  impl_->max_fds.Set(sample.max_fds);
  impl_->start_time.Set(sample.start_time_seconds);
}

}  // namespace steward::observe
