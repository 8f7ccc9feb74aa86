# Two sharded exporter replicas over 20 simulated servers (one simulator with
# 20 ports), one real Prometheus with deploy/prometheus/probe.yml.
add_test(NAME e2e_prometheus_shards
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/prometheus_shards_e2e.sh
                 $<TARGET_FILE:vb365_simulator> $<TARGET_FILE:vb365_exporter>)
set_tests_properties(e2e_prometheus_shards PROPERTIES TIMEOUT 400 LABELS "e2e;deploy")
