# Tests of deploy/alertmanager/: the shipped routing checked offline with
# amtool (config, routes of every shipped alert, inhibit rules). The
# Alertmanager server itself runs in e2e_prometheus (prometheus.cmake) and in
# the demo's check (demo_check_every_printed_url_answers, demo.cmake).
find_program(VB365_AMTOOL amtool)
# Debian's python3 with python3-yaml (as in prometheus.cmake; this file is
# included first).
find_program(VB365_DEB_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT VB365_DEB_PYTHON3)
  find_program(VB365_DEB_PYTHON3 python3)
endif()
find_program(VB365_ALERTMANAGER prometheus-alertmanager)
if(NOT VB365_ALERTMANAGER)
  find_program(VB365_ALERTMANAGER alertmanager)
endif()

# No silent skips (as in prometheus.cmake).
if(NOT VB365_AMTOOL OR NOT VB365_ALERTMANAGER)
  message(FATAL_ERROR "amtool and prometheus-alertmanager are needed for the tests "
                      "(Debian package prometheus-alertmanager; `make deps` installs it)")
endif()

add_test(NAME deploy_alertmanager_amtool_check_config
         COMMAND ${VB365_AMTOOL} check-config alertmanager.yml
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/alertmanager)
add_test(NAME deploy_alertmanager_routes_every_alert_by_severity
         COMMAND ${VB365_DEB_PYTHON3} ${PROJECT_SOURCE_DIR}/tests/deploy/check_alertmanager.py
                 ${PROJECT_SOURCE_DIR}/deploy/alertmanager/alertmanager.yml
                 ${PROJECT_SOURCE_DIR}/deploy/prometheus/vb365_rules.yml ${VB365_AMTOOL})
set_tests_properties(deploy_alertmanager_amtool_check_config
                     deploy_alertmanager_routes_every_alert_by_severity
                     PROPERTIES TIMEOUT 120 LABELS deploy)
