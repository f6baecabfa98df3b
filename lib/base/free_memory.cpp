#include "base/free_memory.hpp"

#include <cstdlib>  // defines __GLIBC__ on glibc, which the test below needs

// Under a sanitizer the sanitizer's allocator owns the heap, and glibc's malloc is never set up on
// the main thread. malloc_trim then initialises glibc's arenas from whichever thread calls it first,
// and two reflectors relisting at once (after an API server restart) race in that set-up: the arena
// ends up attached to two threads but counted once, and glibc aborts when the second one exits
// ("malloc assertion failure in __malloc_arena_thread_freeres"). Trimming is meaningless there, so
// it is left out.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define STEWARD_SANITIZED_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define STEWARD_SANITIZED_HEAP 1
#endif
#endif

#if defined(__GLIBC__) && !defined(STEWARD_SANITIZED_HEAP)
#include <malloc.h>
#define STEWARD_TRIM_HEAP 1
#endif

namespace steward::base {

void release_free_memory() {
#if defined(STEWARD_TRIM_HEAP)
  // 0: keep no slack at the top of the heap either; the next burst grows it again at once.
  malloc_trim(0);
#endif
}

}  // namespace steward::base
