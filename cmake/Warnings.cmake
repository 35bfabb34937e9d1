# Warnings and sanitizers apply to the project's own targets through this interface target.
add_library(egressmon_build_flags INTERFACE)
target_compile_options(egressmon_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wnull-dereference -Wimplicit-fallthrough)
if(EGRESSMON_WERROR)
  target_compile_options(egressmon_build_flags INTERFACE -Werror)
endif()
if(EGRESSMON_SANITIZE)
  target_compile_options(egressmon_build_flags INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(egressmon_build_flags INTERFACE -fsanitize=address,undefined)
endif()
if(EGRESSMON_FUZZ)
  # Coverage instrumentation for every library the fuzz targets link, plus ASan+UBSan.
  target_compile_options(egressmon_build_flags INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(egressmon_build_flags INTERFACE -fsanitize=address,undefined)
endif()
