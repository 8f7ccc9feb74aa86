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

# Copy jobs and running state (issue 9) through the Refresher, v3/v6/v7/v8,
# under both behaviours of bounded session reads.
add_executable(copy_jobs_integration_test
  ${CMAKE_CURRENT_LIST_DIR}/copy_jobs_integration_test.cc)
target_include_directories(copy_jobs_integration_test PRIVATE
  ${PROJECT_SOURCE_DIR}/tests/simulator)
target_link_libraries(copy_jobs_integration_test PRIVATE
  vb365_collection vb365_api vb365_sim_harness GTest::gtest_main)
gtest_discover_tests(copy_jobs_integration_test
  TEST_PREFIX "integration_copy_jobs."
  DISCOVERY_TIMEOUT 60
  PROPERTIES TIMEOUT 180)
