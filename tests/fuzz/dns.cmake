egressmon_fuzz_target(fuzz_dns
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_dns.cpp
  LIBS egressmon::names
  SEEDS ${CMAKE_CURRENT_LIST_DIR}/seeds/dns)
