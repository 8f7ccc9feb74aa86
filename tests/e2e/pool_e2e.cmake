# The real vb365_exporter binary watching 50 servers (one simulator with
# --extra-listeners) through its one bounded refresh pool: threads, requests
# in flight, a slow server, the start-up stagger.
add_executable(pool_e2e_test ${CMAKE_CURRENT_LIST_DIR}/pool_e2e_test.cc)
target_link_libraries(pool_e2e_test PRIVATE vb365_sim_harness vb365_httplib
  nlohmann_json::nlohmann_json GTest::gtest GTest::gtest_main Threads::Threads)
target_compile_definitions(pool_e2e_test PRIVATE
  VB365_EXPORTER_PATH="$<TARGET_FILE:vb365_exporter>")
add_dependencies(pool_e2e_test vb365_exporter vb365_simulator)
gtest_discover_tests(pool_e2e_test TEST_PREFIX "e2e." DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 300)
