# Packet decoder: first byte picks the LinkType, the rest is the frame.
egressmon_fuzz_target(fuzz_decode
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_decode.cpp
  LIBS egressmon::decode
  SEEDS ${CMAKE_CURRENT_LIST_DIR}/seeds/decode)
