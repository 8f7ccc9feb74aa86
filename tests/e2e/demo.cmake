# `make demo`'s own check: tests/demo/demo.sh --check starts the whole demo
# (simulator, exporter, Alertmanager, Prometheus, webhook receiver) on free
# loopback ports, requires every URL it prints to answer 200 with the page it
# promises, waits for the failing job's alert in Alertmanager and for every
# alert of the simulator's interesting states in Prometheus (copy job,
# repository, proxy, license, organizations, sync, restore, health; none of
# the exporter/server/collector alerts), checks the alert pages again, and
# stops everything.
# The tools are found (or the configure fails) in alertmanager.cmake and
# prometheus.cmake.
add_test(NAME demo_check_every_printed_url_answers
         COMMAND ${PROJECT_SOURCE_DIR}/tests/demo/demo.sh --check ${CMAKE_BINARY_DIR})
set_tests_properties(demo_check_every_printed_url_answers PROPERTIES
                     TIMEOUT 600 LABELS "e2e;demo"
                     ENVIRONMENT "ALERTMANAGER=${VB365_ALERTMANAGER}")
