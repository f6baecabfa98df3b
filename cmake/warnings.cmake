# Warnings apply to steward's own targets through this interface library, not to the whole build.
add_library(steward_warnings INTERFACE)
target_compile_options(steward_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(STEWARD_WERROR)
  target_compile_options(steward_warnings INTERFACE -Werror)
endif()
