# Issue 11: the bulk session read of later refreshes (v7/v8) through the
# Refresher, the Client and HTTPS against the simulator.
add_executable(bulk_sessions_integration_test
  ${CMAKE_CURRENT_LIST_DIR}/bulk_sessions_integration_test.cc)
target_include_directories(bulk_sessions_integration_test PRIVATE
  ${PROJECT_SOURCE_DIR}/tests/simulator)
target_link_libraries(bulk_sessions_integration_test PRIVATE
  vb365_collection vb365_api vb365_sim_harness GTest::gtest_main)
gtest_discover_tests(bulk_sessions_integration_test
  TEST_PREFIX "integration_bulk_sessions."
  DISCOVERY_TIMEOUT 60
  PROPERTIES TIMEOUT 300)
