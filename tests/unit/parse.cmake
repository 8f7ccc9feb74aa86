# Unit tests of model/types and parse/Parser (fixtures in tests/fixtures).
add_executable(types_test ${CMAKE_CURRENT_LIST_DIR}/types_test.cc)
target_link_libraries(types_test PRIVATE vb365_model GTest::gtest_main)
gtest_discover_tests(types_test)

add_executable(parser_test ${CMAKE_CURRENT_LIST_DIR}/parser_test.cc)
target_link_libraries(parser_test PRIVATE vb365_parse GTest::gtest_main)
target_compile_definitions(parser_test
  PRIVATE VB365_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")
gtest_discover_tests(parser_test)

add_executable(padded_body_test ${CMAKE_CURRENT_LIST_DIR}/padded_body_test.cc)
target_link_libraries(padded_body_test PRIVATE vb365_parse GTest::gtest_main)
gtest_discover_tests(padded_body_test)
add_executable(large_body_limit_test
  ${CMAKE_CURRENT_LIST_DIR}/large_body_limit_test.cc)
target_link_libraries(large_body_limit_test PRIVATE vb365_parse
                      GTest::gtest_main)
gtest_discover_tests(large_body_limit_test)

# The configure-time guard on simdjson's version (structural_index.cc uses
# its internal API): the versions outside the tested range are refused with
# the explanation, the tested one passes.
foreach(v 2.2.2 3.0.0 3.1.0 4.0.0)
  add_test(NAME parse_refuses_simdjson_${v}
           COMMAND ${CMAKE_COMMAND} -DVERSION=${v}
                   -P ${PROJECT_SOURCE_DIR}/exporter/parse/SimdjsonVersion.cmake)
  set_tests_properties(parse_refuses_simdjson_${v} PROPERTIES
    PASS_REGULAR_EXPRESSION "simdjson ${v} is outside the range the parser is built and")
endforeach()
add_test(NAME parse_accepts_simdjson_3.0.1
         COMMAND ${CMAKE_COMMAND} -DVERSION=3.0.1
                 -P ${PROJECT_SOURCE_DIR}/exporter/parse/SimdjsonVersion.cmake)
