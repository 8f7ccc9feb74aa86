# The real vb365_exporter binary against real simulators: live reload
# (SIGHUP, POST /-/reload), /probe and --servers.shard.
add_executable(reload_e2e_test ${CMAKE_CURRENT_LIST_DIR}/reload_e2e_test.cc)
target_link_libraries(reload_e2e_test PRIVATE vb365_sim_harness vb365_httplib
  GTest::gtest GTest::gtest_main Threads::Threads)
target_compile_definitions(reload_e2e_test PRIVATE
  VB365_EXPORTER_PATH="$<TARGET_FILE:vb365_exporter>")
add_dependencies(reload_e2e_test vb365_exporter vb365_simulator)
gtest_discover_tests(reload_e2e_test TEST_PREFIX "e2e." DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 300)
