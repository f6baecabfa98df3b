# Warnings apply to steward's own targets through this interface library, not to the whole build.
add_library(steward_warnings INTERFACE)
# -Wno-missing-field-initializers: C++20 designated initializers that leave defaulted members out
# ({.method = "GET", .target = path}) are the point of defaulted option structs, not a mistake.
# -Wno-mismatched-new-delete: GCC 12 misreports Boost.Asio's coroutine frame allocator (its own
# operator new/delete pair, inlined) as mismatched (GCC bug 109224).
target_compile_options(steward_warnings INTERFACE -Wall -Wextra -Wpedantic
                       -Wno-missing-field-initializers -Wno-mismatched-new-delete)
if(STEWARD_WERROR)
  target_compile_options(steward_warnings INTERFACE -Werror)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # clang (the fuzz build) in C++20: RapidJSON 1.1's member iterators declare operator== so that
  # the reversed candidate makes every `it == value.MemberEnd()` "ambiguous"; both mean the same.
  target_compile_options(steward_warnings INTERFACE -Wno-ambiguous-reversed-operator)
endif()
