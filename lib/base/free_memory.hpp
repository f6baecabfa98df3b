#pragma once
// Giving freed heap memory back to the system.

namespace steward::base {

// Returns the pages of free heap memory to the system (glibc's malloc_trim; elsewhere nothing).
// After a burst of short-lived buffers, such as an informer's full list (page bodies, parsed
// originals, arrays of pointers to every object), the freed memory lies between long-lived blocks
// where the heap cannot shrink, and stays resident until it is reused: 2.6 MB, or 52 bytes an
// object, after listing 50,000 ConfigMaps (docs/performance.md, "Informer").
// Nothing under ASan or TSan (see the .cpp).
void release_free_memory();

}  // namespace steward::base
