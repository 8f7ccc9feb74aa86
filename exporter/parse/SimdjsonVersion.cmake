# The simdjson versions src/structural_index.cc is built and tested against
# (it uses simdjson's internal stage-1 API, which may change in any release).
# Widen the range only after parser_test, padded_body_test,
# parse_fuzzer_corpus and parse_bench pass on the new version.
set(VB365_SIMDJSON_TESTED_MIN 3.0.1)  # Debian 12: libsimdjson-dev 3.0.1-1
set(VB365_SIMDJSON_TESTED_BELOW 3.1.0)

function(vb365_check_simdjson_version version)
  if(NOT version OR version VERSION_LESS VB365_SIMDJSON_TESTED_MIN OR
     NOT version VERSION_LESS VB365_SIMDJSON_TESTED_BELOW)
    message(FATAL_ERROR
      "simdjson ${version} is outside the range the parser is built and "
      "tested against (>= ${VB365_SIMDJSON_TESTED_MIN}, < "
      "${VB365_SIMDJSON_TESTED_BELOW}): exporter/parse/src/"
      "structural_index.cc uses simdjson's internal stage-1 API, which may "
      "change between releases. Install libsimdjson-dev 3.0.1 (Debian 12), "
      "or test the parser on this version and widen the range in "
      "exporter/parse/SimdjsonVersion.cmake.")
  endif()
endfunction()

# cmake -DVERSION=x.y.z -P SimdjsonVersion.cmake: the check alone (a test).
if(CMAKE_SCRIPT_MODE_FILE AND DEFINED VERSION)
  vb365_check_simdjson_version("${VERSION}")
endif()
