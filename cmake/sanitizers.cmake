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
