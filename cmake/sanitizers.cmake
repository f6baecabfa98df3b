# STEWARD_SANITIZE=address,undefined builds everything with ASan+UBSan; =thread with TSan.
# The flags go on every target (libraries, tests, tools) so instrumented and plain code never mix.
if(STEWARD_SANITIZE)
  if(STEWARD_SANITIZE MATCHES "thread" AND STEWARD_SANITIZE MATCHES "address")
    message(FATAL_ERROR "TSan and ASan cannot be combined; build them separately")
  endif()
  set(_san_flags -fsanitize=${STEWARD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(${_san_flags})
  add_link_options(${_san_flags})
  message(STATUS "steward: sanitizers ${STEWARD_SANITIZE}")
endif()
