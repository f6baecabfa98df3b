#include "base/free_memory.hpp"

#include <cstdlib>  // defines __GLIBC__ on glibc, which the test below needs

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace steward::base {

void release_free_memory() {
#if defined(__GLIBC__)
  // 0: keep no slack at the top of the heap either; the next burst grows it again at once.
  malloc_trim(0);
#endif
}

}  // namespace steward::base
