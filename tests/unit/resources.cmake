# Unit tests of the resources beyond jobs (issue 9): readers, family
# tables, collection.
add_executable(resource_readers_test
  ${CMAKE_CURRENT_LIST_DIR}/resource_readers_test.cc)
target_link_libraries(resource_readers_test PRIVATE vb365_parse
                      GTest::gtest_main)
target_compile_definitions(resource_readers_test
  PRIVATE VB365_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")
gtest_discover_tests(resource_readers_test)

add_executable(resource_families_test
  ${CMAKE_CURRENT_LIST_DIR}/resource_families_test.cc)
target_link_libraries(resource_families_test PRIVATE vb365_metrics
                      GTest::gtest_main)
gtest_discover_tests(resource_families_test)

add_executable(resource_collection_test
  ${CMAKE_CURRENT_LIST_DIR}/resource_collection_test.cc)
target_link_libraries(resource_collection_test PRIVATE vb365_collection
                      GTest::gtest_main)
gtest_discover_tests(resource_collection_test)

add_executable(config_collectors_test
  ${CMAKE_CURRENT_LIST_DIR}/config_collectors_test.cc)
target_link_libraries(config_collectors_test PRIVATE vb365_config
                      GTest::gtest_main)
gtest_discover_tests(config_collectors_test)

add_executable(restore_tracker_test
  ${CMAKE_CURRENT_LIST_DIR}/restore_tracker_test.cc)
target_link_libraries(restore_tracker_test PRIVATE vb365_model
                      GTest::gtest_main)
gtest_discover_tests(restore_tracker_test)
