# Tests of the collection module: the refresher against a fake JobSource,
# publishing through the exporter's own adapters (app) to the real collector
# and self metrics (metrics).
add_executable(collection_refresher_test
  ${CMAKE_CURRENT_LIST_DIR}/collection_refresher_test.cc)
target_link_libraries(collection_refresher_test PRIVATE vb365_collection
                      vb365_app vb365_metrics GTest::gtest_main)
gtest_discover_tests(collection_refresher_test)

add_executable(collection_state_test
  ${CMAKE_CURRENT_LIST_DIR}/collection_state_test.cc)
target_link_libraries(collection_state_test PRIVATE vb365_collection
                      GTest::gtest_main)
gtest_discover_tests(collection_state_test)
target_compile_definitions(collection_state_test PRIVATE
  VB365_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")

add_executable(collection_pool_test
  ${CMAKE_CURRENT_LIST_DIR}/collection_pool_test.cc)
target_link_libraries(collection_pool_test PRIVATE vb365_collection
                      GTest::gtest_main)
gtest_discover_tests(collection_pool_test)
