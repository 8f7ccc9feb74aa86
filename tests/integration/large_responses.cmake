# Issue 11: max_large_responses (the large-body slots) through the
# Refresher, the Client and HTTPS against the simulator on v3.
add_executable(large_responses_integration_test
  ${CMAKE_CURRENT_LIST_DIR}/large_responses_integration_test.cc)
target_include_directories(large_responses_integration_test PRIVATE
  ${PROJECT_SOURCE_DIR}/tests/simulator)
target_link_libraries(large_responses_integration_test PRIVATE
  vb365_collection vb365_api vb365_sim_harness GTest::gtest_main)
gtest_discover_tests(large_responses_integration_test
  TEST_PREFIX "integration_large_responses."
  DISCOVERY_TIMEOUT 60
  PROPERTIES TIMEOUT 300)
