# The real vb365_exporter binary against the real simulator (harness.h),
# scraped over HTTP(S) and linted with promtool. Built once both exist.
include(GoogleTest)
find_package(nlohmann_json REQUIRED)
add_executable(exporter_e2e_test ${CMAKE_CURRENT_LIST_DIR}/exporter_e2e_test.cc)
target_link_libraries(exporter_e2e_test PRIVATE vb365_sim_harness vb365_httplib
  nlohmann_json::nlohmann_json crypt GTest::gtest GTest::gtest_main Threads::Threads)
target_compile_definitions(exporter_e2e_test PRIVATE
  VB365_EXPORTER_PATH="$<TARGET_FILE:vb365_exporter>"
  VB365_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")
add_dependencies(exporter_e2e_test vb365_exporter)
gtest_discover_tests(exporter_e2e_test TEST_PREFIX "e2e." DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 300)

# The state file: kill -9 mid-refresh and mid-write, SIGTERM on a stuck
# refresh (tests/e2e/state_e2e_test.cc).
add_executable(state_e2e_test ${CMAKE_CURRENT_LIST_DIR}/state_e2e_test.cc)
target_link_libraries(state_e2e_test PRIVATE vb365_sim_harness vb365_httplib
  GTest::gtest GTest::gtest_main Threads::Threads)
target_compile_definitions(state_e2e_test PRIVATE
  VB365_EXPORTER_PATH="$<TARGET_FILE:vb365_exporter>")
add_dependencies(state_e2e_test vb365_exporter)
# Under ASan or TSan the SIGTERM test's 2 s bound is relaxed (its comment).
if(VB365_SANITIZE OR VB365_TSAN)
  target_compile_definitions(state_e2e_test PRIVATE VB365_SANITIZER_BUILD=1)
endif()
gtest_discover_tests(state_e2e_test TEST_PREFIX "e2e." DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 300)
# The exporter's TLS helpers: --print-certificate and --config.check's pin
# check, against the simulator.
add_executable(tls_e2e_test ${CMAKE_CURRENT_LIST_DIR}/tls_e2e_test.cc)
target_link_libraries(tls_e2e_test PRIVATE vb365_sim_harness GTest::gtest
  GTest::gtest_main Threads::Threads)
target_compile_definitions(tls_e2e_test PRIVATE
  VB365_EXPORTER_PATH="$<TARGET_FILE:vb365_exporter>")
add_dependencies(tls_e2e_test vb365_exporter)
gtest_discover_tests(tls_e2e_test TEST_PREFIX "e2e.tls." DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 120)
