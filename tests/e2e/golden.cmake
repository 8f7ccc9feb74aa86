# The golden /metrics page (golden_test.cc): the exporter against the
# simulator with a pinned seed and anchor, compared byte for byte with
# tests/fixtures/golden/metrics_<version>.txt. `make golden` regenerates them.
add_executable(golden_test ${CMAKE_CURRENT_LIST_DIR}/golden_test.cc)
target_link_libraries(golden_test PRIVATE vb365_sim_harness vb365_httplib
  GTest::gtest Threads::Threads)
target_compile_definitions(golden_test PRIVATE
  VB365_EXPORTER_PATH="$<TARGET_FILE:vb365_exporter>"
  VB365_GOLDEN_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures/golden")
add_dependencies(golden_test vb365_exporter)
add_test(NAME e2e.golden_v3 COMMAND golden_test
         --gtest_filter=Golden.MetricsPageOnV3MatchesTheCheckedInFile)
add_test(NAME e2e.golden_v8 COMMAND golden_test
         --gtest_filter=Golden.MetricsPageOnV8MatchesTheCheckedInFile)
add_test(NAME e2e.golden_mask COMMAND golden_test
         --gtest_filter=Golden.MaskHidesOnlyVolatileValues)
set_tests_properties(e2e.golden_v3 e2e.golden_v8 e2e.golden_mask
                     PROPERTIES TIMEOUT 120)
