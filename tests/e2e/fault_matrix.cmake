# The fault matrix (docs/reliability.md): the real exporter with two servers,
# one fault at a time on one of them, scraped every 100 ms; see
# tests/e2e/fault_matrix.py. `make reliability-doc` regenerates the table.
find_program(VB365_FAULT_MATRIX_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT VB365_FAULT_MATRIX_PYTHON3)
  find_program(VB365_FAULT_MATRIX_PYTHON3 python3)
endif()
add_test(NAME e2e_fault_matrix
         COMMAND ${VB365_FAULT_MATRIX_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/fault_matrix.py
                 --simulator $<TARGET_FILE:vb365_simulator>
                 --exporter $<TARGET_FILE:vb365_exporter>)
set_tests_properties(e2e_fault_matrix PROPERTIES TIMEOUT 600 LABELS e2e)
