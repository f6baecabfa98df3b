#pragma once
// lock_spinning_first: lock a std::mutex, trying for a short while before sleeping.
//
// Under contention glibc's std::mutex sleeps in the kernel at once; a futex sleep and wake-up costs
// microseconds, while the critical sections it guards in steward's hot structures (the work queue)
// last about a hundred nanoseconds. Trying a few times first keeps two busy threads off the kernel.
// The result is an ordinary unique_lock, so it works with std::condition_variable.

#include <mutex>

namespace steward::base {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

inline std::unique_lock<std::mutex> lock_spinning_first(std::mutex& mu) {
  // 100 tries of a pause (~40 cycles each on x86) is a few microseconds at most: about the cost of
  // the sleep it hopes to avoid, so it never loses much.
  for (int i = 0; i < 100; ++i) {
    if (mu.try_lock()) return std::unique_lock<std::mutex>(mu, std::adopt_lock);
    cpu_relax();
  }
  return std::unique_lock<std::mutex>(mu);
}

}  // namespace steward::base
