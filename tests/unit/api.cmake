# Unit tests of the api module (TokenManager, Client, helpers) against an
# in-memory VB365; no sockets.
foreach(name token_manager_test client_test api_error_code_test)
  add_executable(${name} ${CMAKE_CURRENT_LIST_DIR}/${name}.cc)
  target_link_libraries(${name} PRIVATE vb365_api GTest::gtest_main)
  gtest_discover_tests(${name})
endforeach()
