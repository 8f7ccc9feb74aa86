// Fuzz target for the state file (collection/state_file.h): any bytes give a
// SavedState or an Error, never a crash; and what decodes re-encodes to text
// that decodes to the same state (the format has one reading). The bytes are
// tried as they are and, so that mutations get past the checksum to the
// line decoder, as the body of a file with the right magic and checksum.
//
// Built with libFuzzer under clang and, in every other build, with
// fuzz_main.cc over tests/fixtures/state.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "collection/state_file.h"

namespace {

// The format's checksum (FNV-1a 64 of every byte before the checksum line),
// written out again here so the fuzzer can sign what it generates.
std::string Signed(std::string_view body) {
  std::string text = std::string(vb365::kStateFileMagic) + "\n";
  text.append(body);
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char sum[17];
  std::snprintf(sum, sizeof sum, "%016llx", static_cast<unsigned long long>(h));
  return text + "checksum " + sum + "\n";
}

void Check(std::string_view text) {
  vb365::Result<vb365::SavedState> state = vb365::DecodeState(text);
  if (!state.ok()) {
    if (state.error().code() != vb365::ErrorCode::kMalformed) {
      std::fprintf(stderr, "state_fuzzer: error code is not kMalformed\n");
      std::abort();
    }
    return;
  }
  vb365::Result<vb365::SavedState> again =
      vb365::DecodeState(vb365::EncodeState(*state));
  if (!again.ok() || !(*again == *state)) {
    std::fprintf(stderr, "state_fuzzer: re-encoded state reads differently\n");
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Check(bytes);
  Check(Signed(bytes));
  return 0;
}
