# Unit tests of the config module (config, flags, web config), the logger
# and the UTF-8 helpers of common.
foreach(t config_test config_tls_test flags_test log_test shard_test utf8_test web_config_test)
  add_executable(${t} ${t}.cc)
  target_link_libraries(${t} PRIVATE vb365_config vb365_common GTest::gtest_main crypt)
  target_compile_definitions(${t} PRIVATE
    VB365_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")
  gtest_discover_tests(${t})
endforeach()
