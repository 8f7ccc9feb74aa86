# Unit tests of the common module's Result and Error.
add_executable(result_test ${CMAKE_CURRENT_LIST_DIR}/result_test.cc)
target_link_libraries(result_test PRIVATE vb365_common GTest::gtest_main)
gtest_discover_tests(result_test)
