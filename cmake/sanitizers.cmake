# STEWARD_SANITIZE=address,undefined builds everything with ASan+UBSan; =thread with TSan.
# The flags go on every target (libraries, tests, tools) so instrumented and plain code never mix.
if(STEWARD_SANITIZE)
  if(STEWARD_SANITIZE MATCHES "thread" AND STEWARD_SANITIZE MATCHES "address")
    message(FATAL_ERROR "TSan and ASan cannot be combined; build them separately")
  endif()
  set(_san_flags -fsanitize=${STEWARD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(${_san_flags})
  if(STEWARD_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 warns (-Wtsan) that TSan does not model std::atomic_thread_fence, which Asio uses in
    # every file that includes it; with warnings as errors nothing would build. The fences Asio uses
    # pair with atomics TSan does see, so the warning is noise here.
    add_compile_options(-Wno-tsan)
  endif()
  add_link_options(${_san_flags})
  message(STATUS "steward: sanitizers ${STEWARD_SANITIZE}")
endif()

# STEWARD_FUZZ=ON (fuzz/README.md): libFuzzer with ASan+UBSan, clang only. Every target is compiled
# with coverage instrumentation (fuzzer-no-link) and the sanitizers; the fuzz targets alone link
# libFuzzer (-fsanitize=fuzzer in fuzz/CMakeLists.txt). Assertions stay on (-UNDEBUG): RapidJSON's
# and ours are checks worth tripping over.
if(STEWARD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "STEWARD_FUZZ needs clang (CXX=clang++): libFuzzer comes with it")
  endif()
  if(STEWARD_SANITIZE)
    message(FATAL_ERROR "STEWARD_FUZZ brings its own sanitizers; leave STEWARD_SANITIZE empty")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all -UNDEBUG
                      -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/fuzz/sanitizer_ignorelist.txt)
  add_link_options(-fsanitize=address,undefined)
  message(STATUS "steward: libFuzzer targets with ASan+UBSan")
endif()
