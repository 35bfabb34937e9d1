# App catalog reader and matcher (src/config/apps_config.cpp, src/apps/).
egressmon_fuzz_target(fuzz_apps
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_apps.cpp
  LIBS egressmon::config egressmon::apps
  SEEDS ${CMAKE_CURRENT_LIST_DIR}/seeds/apps)
