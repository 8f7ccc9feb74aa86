# Tests of JobTracker (model), the collector, its gzip framing, the self and
# process metrics (metrics), the HTTP server and the status page (app).
add_executable(job_state_test ${CMAKE_CURRENT_LIST_DIR}/job_state_test.cc)
target_link_libraries(job_state_test PRIVATE vb365_model GTest::gtest_main)
gtest_discover_tests(job_state_test)

add_executable(collector_test ${CMAKE_CURRENT_LIST_DIR}/collector_test.cc)
target_link_libraries(collector_test PRIVATE vb365_metrics GTest::gtest_main)
gtest_discover_tests(collector_test)

add_executable(gzip_test ${CMAKE_CURRENT_LIST_DIR}/gzip_test.cc)
target_link_libraries(gzip_test PRIVATE vb365_metrics ZLIB::ZLIB GTest::gtest_main)
gtest_discover_tests(gzip_test)

file(GLOB app_unit_tests ${CMAKE_CURRENT_LIST_DIR}/app_*_test.cc)
foreach(src ${app_unit_tests})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE vb365_app vb365_httplib GTest::gtest_main)
  gtest_discover_tests(${name})
endforeach()

add_executable(process_metrics_test ${CMAKE_CURRENT_LIST_DIR}/process_metrics_test.cc)
target_link_libraries(process_metrics_test PRIVATE vb365_metrics GTest::gtest_main)
gtest_discover_tests(process_metrics_test)
