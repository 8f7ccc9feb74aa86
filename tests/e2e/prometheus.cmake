# Tests of deploy/: the mixin and the files generated from it, the Prometheus
# rules and config (promtool), the Grafana dashboard, the Kubernetes manifests,
# the Dockerfile and the systemd unit, and the end-to-end test with a real
# Prometheus (e2e_prometheus).
# All deploy checks live here because tests/CMakeLists.txt adds only the
# simulator, unit, integration, e2e and fuzz directories.
set(VB365_DEPLOY_DIR ${PROJECT_SOURCE_DIR}/deploy)
set(VB365_DEPLOY_TESTS ${PROJECT_SOURCE_DIR}/tests/deploy)
find_program(VB365_PROMTOOL promtool)
find_program(VB365_PROMETHEUS prometheus)
# No silent skips: without them the deploy and end-to-end tests would vanish.
if(NOT VB365_PROMTOOL OR NOT VB365_PROMETHEUS)
  message(FATAL_ERROR "promtool and prometheus are needed for the tests "
                      "(Debian package prometheus; `make deps` installs it)")
endif()
find_program(VB365_JSONNET jsonnet)
if(NOT VB365_JSONNET)
  message(FATAL_ERROR "jsonnet is needed for the mixin tests "
                      "(Debian package jsonnet; `make deps` installs it)")
endif()
# Debian's python3 with python3-yaml (not a pyenv or venv interpreter).
find_program(VB365_DEB_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT VB365_DEB_PYTHON3)
  find_program(VB365_DEB_PYTHON3 python3)
endif()

set(vb365_exporter_file $<TARGET_FILE:vb365_exporter>)

add_test(NAME deploy_promtool_check_rules
         COMMAND ${VB365_PROMTOOL} check rules vb365_rules.yml vb365_overrides.example.yml
         WORKING_DIRECTORY ${VB365_DEPLOY_DIR}/prometheus)
add_test(NAME deploy_promtool_test_rules
         COMMAND ${VB365_PROMTOOL} test rules vb365_rules_test.yml
         WORKING_DIRECTORY ${VB365_DEPLOY_DIR}/prometheus)
add_test(NAME deploy_promtool_check_config
         COMMAND ${VB365_PROMTOOL} check config prometheus.yml probe.yml sharded.yml
         WORKING_DIRECTORY ${VB365_DEPLOY_DIR}/prometheus)
set_tests_properties(deploy_promtool_check_rules deploy_promtool_test_rules
                     deploy_promtool_check_config PROPERTIES TIMEOUT 300 LABELS deploy)
add_test(NAME deploy_rule_tests_catch_mutations
         COMMAND ${VB365_DEB_PYTHON3} ${VB365_DEPLOY_TESTS}/rules_mutation_test.py
                 ${VB365_DEPLOY_DIR}/prometheus ${VB365_PROMTOOL})
set_tests_properties(deploy_rule_tests_catch_mutations PROPERTIES TIMEOUT 1800 LABELS deploy)
add_test(NAME deploy_grafana_dashboard_static
         COMMAND ${VB365_DEB_PYTHON3} ${VB365_DEPLOY_TESTS}/check_dashboard.py
                 ${VB365_DEPLOY_DIR}/grafana/vb365-overview.json ${VB365_PROMTOOL})
set_tests_properties(deploy_grafana_dashboard_static PROPERTIES TIMEOUT 120 LABELS deploy)

# The rule file, the dashboard and the PrometheusRule are generated from the
# mixin (deploy/mixin/, `make mixin`): the checked-in files must equal the
# mixin's output byte for byte, so a hand edit or a forgotten regeneration fails.
add_test(NAME deploy_mixin_generated_files_in_sync
         COMMAND ${VB365_DEB_PYTHON3} ${VB365_DEPLOY_DIR}/mixin/generate.py --check
                 --jsonnet ${VB365_JSONNET})
# Every kind of _config override (selector, threshold, for:, severity)
# reaches the rules, alerts and dashboard, and nothing else changes.
add_test(NAME deploy_mixin_config_overrides_apply
         COMMAND ${VB365_DEB_PYTHON3} ${VB365_DEPLOY_TESTS}/check_mixin_overrides.py
                 ${VB365_DEPLOY_DIR}/mixin ${VB365_JSONNET})
add_test(NAME deploy_manifests_parse_and_match
         COMMAND ${VB365_DEB_PYTHON3} ${VB365_DEPLOY_TESTS}/check_manifests.py ${VB365_DEPLOY_DIR})
# Also: every library the built exporter links is installed by the image.
set(vb365_binary_arg --binary=$<TARGET_FILE:vb365_exporter>)
add_test(NAME deploy_dockerfile_static
         COMMAND ${VB365_DEB_PYTHON3} ${VB365_DEPLOY_TESTS}/check_dockerfile.py
                 ${VB365_DEPLOY_DIR}/docker/Dockerfile ${vb365_binary_arg})
add_test(NAME deploy_systemd_unit
         COMMAND ${VB365_DEPLOY_TESTS}/check_systemd.sh
                 ${VB365_DEPLOY_DIR}/systemd/vb365_exporter.service
                 ${VB365_DEPLOY_DIR}/vb365_exporter.yml ${vb365_exporter_file})
set_tests_properties(deploy_mixin_generated_files_in_sync deploy_mixin_config_overrides_apply
                     deploy_manifests_parse_and_match deploy_dockerfile_static deploy_systemd_unit
                     PROPERTIES TIMEOUT 120 LABELS deploy)
set_tests_properties(deploy_systemd_unit PROPERTIES SKIP_RETURN_CODE 77)

add_test(NAME deploy_example_configs_accepted
         COMMAND ${VB365_DEB_PYTHON3} ${VB365_DEPLOY_TESTS}/check_example_configs.py
                 $<TARGET_FILE:vb365_exporter> ${PROJECT_SOURCE_DIR})
set_tests_properties(deploy_example_configs_accepted PROPERTIES TIMEOUT 120 LABELS deploy)

# End to end: simulator -> exporter (verified HTTPS) -> Prometheus with the
# shipped rules -> Alertmanager with the shipped routing -> a webhook; alerts,
# notifications and every dashboard expression through the HTTP APIs.
# VB365_ALERTMANAGER and VB365_AMTOOL come from alertmanager.cmake (included
# before this file; it fails the configure when they are missing).
add_test(NAME e2e_prometheus
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/prometheus_e2e.sh
                 $<TARGET_FILE:vb365_simulator> $<TARGET_FILE:vb365_exporter>)
set_tests_properties(e2e_prometheus PROPERTIES TIMEOUT 400 LABELS "e2e;deploy"
                     ENVIRONMENT "ALERTMANAGER=${VB365_ALERTMANAGER};AMTOOL=${VB365_AMTOOL}")
