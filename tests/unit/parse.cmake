# Unit tests of model/types and parse/Parser (fixtures in tests/fixtures).
add_executable(types_test ${CMAKE_CURRENT_LIST_DIR}/types_test.cc)
target_link_libraries(types_test PRIVATE vb365_model GTest::gtest_main)
gtest_discover_tests(types_test)

add_executable(parser_test ${CMAKE_CURRENT_LIST_DIR}/parser_test.cc)
target_link_libraries(parser_test PRIVATE vb365_parse GTest::gtest_main)
target_compile_definitions(parser_test
  PRIVATE VB365_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")
gtest_discover_tests(parser_test)
