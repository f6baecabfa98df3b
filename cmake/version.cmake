# Build identity for `steward version` and steward_build_info. The git commit is read at build time
# (not only at configure time), so a rebuild after a new commit never reports a stale one.
set(STEWARD_VERSION_HPP ${CMAKE_BINARY_DIR}/generated/steward/build_info_values.hpp)
add_custom_target(steward_version_header
  COMMAND ${CMAKE_COMMAND}
          -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
          -DOUTPUT=${STEWARD_VERSION_HPP}
          -DVERSION=${PROJECT_VERSION}
          -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
          -DSANITIZE=${STEWARD_SANITIZE}
          -P ${CMAKE_SOURCE_DIR}/cmake/write_version.cmake
  BYPRODUCTS ${STEWARD_VERSION_HPP}
  COMMENT "steward: build info")
