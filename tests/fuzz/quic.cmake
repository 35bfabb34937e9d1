egressmon_fuzz_target(fuzz_quic
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_quic.cpp
  LIBS egressmon::names
  SEEDS ${CMAKE_CURRENT_LIST_DIR}/seeds/quic)
