egressmon_fuzz_target(fuzz_http
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_http.cpp
  LIBS egressmon::names
  SEEDS ${CMAKE_CURRENT_LIST_DIR}/seeds/http)
