# The Client's resource reads (issue 9) against the simulator, v6/v7/v8.
add_executable(resources_integration_test
  ${CMAKE_CURRENT_LIST_DIR}/resources_integration_test.cc)
target_include_directories(resources_integration_test PRIVATE
  ${PROJECT_SOURCE_DIR}/tests/simulator ${PROJECT_SOURCE_DIR}/tests/unit)
target_link_libraries(resources_integration_test PRIVATE
  vb365_api vb365_sim_harness GTest::gtest_main)
gtest_discover_tests(resources_integration_test
  TEST_PREFIX "integration_resources."
  DISCOVERY_TIMEOUT 60
  PROPERTIES TIMEOUT 180)
