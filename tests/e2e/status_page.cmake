# The status page in a real browser: simulator + exporter + headless Chromium
# (Debian package chromium), see status_page_browser.sh. No silent skip: a
# missing Chromium fails the configure.
find_program(VB365_CHROMIUM chromium)
if(NOT VB365_CHROMIUM)
  message(FATAL_ERROR "chromium is needed for the status page test "
                      "(Debian package chromium; `make deps` installs it)")
endif()
add_test(NAME e2e_status_page_browser
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/status_page_browser.sh
                 $<TARGET_FILE:vb365_simulator> $<TARGET_FILE:vb365_exporter>)
set_tests_properties(e2e_status_page_browser PROPERTIES TIMEOUT 600 LABELS e2e
                     ENVIRONMENT "CHROMIUM=${VB365_CHROMIUM}")
