# ClientHello reader and TCP stream-prefix assembler (src/names/tls.cpp, stream_prefix.cpp).
egressmon_fuzz_target(fuzz_tls
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_tls.cpp
  LIBS egressmon::names
  SEEDS ${CMAKE_CURRENT_LIST_DIR}/seeds/tls)
