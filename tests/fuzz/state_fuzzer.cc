// Fuzz target for the state file (collection/state_file.h): any bytes give a
// SavedState or an Error, never a crash; and what decodes re-encodes to text
// that decodes to the same state (the format has one reading).
//
// Built with libFuzzer under clang and, in every other build, with
// fuzz_main.cc over tests/fixtures/state.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "collection/state_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  vb365::Result<vb365::SavedState> state = vb365::DecodeState(text);
  if (!state.ok()) {
    if (state.error().code() != vb365::ErrorCode::kMalformed) {
      std::fprintf(stderr, "state_fuzzer: error code is not kMalformed\n");
      std::abort();
    }
    return 0;
  }
  vb365::Result<vb365::SavedState> again =
      vb365::DecodeState(vb365::EncodeState(*state));
  if (!again.ok() || !(*again == *state)) {
    std::fprintf(stderr, "state_fuzzer: re-encoded state reads differently\n");
    std::abort();
  }
  return 0;
}
