// Fuzz target for parse/Parser: any bytes must give a value or an Error,
// never a crash, an overread (the PaddedBody copy below has exactly
// kParsePadding bytes of padding, so ASan sees a read past it) or a partial
// append.
//
// Built with libFuzzer under clang (-fsanitize=fuzzer,address,undefined) and,
// in every other build, with fuzz_main.cc, which runs it over files.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "parse/parser.h"

namespace {

[[noreturn]] void Die(const char* why) {
  std::fprintf(stderr, "parse_fuzzer: %s\n", why);
  std::abort();
}

// On failure nothing is appended; on success exactly count elements are.
template <typename T, typename Fn>
bool CheckAppend(Fn parse, std::vector<T>* out) {
  const size_t before = out->size();
  auto r = parse(out);
  if (!r.ok()) {
    if (out->size() != before) Die("elements appended despite an error");
    if (r.error().message().empty()) Die("empty error message");
    return false;
  }
  if (static_cast<size_t>(r->count) != out->size() - before) {
    Die("PageInfo.count does not match the elements appended");
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Exactly size + kParsePadding bytes, padding not zeroed on purpose: the
  // parser must not depend on its contents.
  const vb365::PaddedBody in(
      std::string_view(reinterpret_cast<const char*>(data), size),
      size > 0 ? static_cast<char>(data[size - 1]) : '[');

  static vb365::Parser parser;  // reused across inputs, as in the exporter
  std::vector<vb365::JobSession> sessions(1);
  const bool sessions_ok = CheckAppend<vb365::JobSession>(
      [&](auto* out) { return parser.ParseSessions(in, out); }, &sessions);
  std::vector<vb365::Job> jobs(1);
  const bool jobs_ok = CheckAppend<vb365::Job>(
      [&](auto* out) { return parser.ParseJobs(in, out); }, &jobs);
  const bool token_ok = parser.ParseToken(in).ok();
  const bool service_ok = parser.ParseServiceInstance(in).ok();

  // Whatever the parser accepts is JSON for simdjson's DOM parser too. The
  // parser does not decode strings it skips, nor convert numbers it skips,
  // so DOM may reject those where the parser does not.
  if (sessions_ok || jobs_ok || token_ok || service_ok) {
    static simdjson::dom::parser dom;
    simdjson::dom::element doc;
    const simdjson::error_code e =
        dom.parse(reinterpret_cast<const uint8_t*>(in.data()), size, false)
            .get(doc);
    if (e != simdjson::SUCCESS && e != simdjson::STRING_ERROR &&
        e != simdjson::NUMBER_ERROR && e != simdjson::NUMBER_OUT_OF_RANGE &&
        e != simdjson::DEPTH_ERROR) {
      std::fprintf(stderr, "simdjson: %s\n", simdjson::error_message(e));
      Die("the parser accepted a document simdjson rejects");
    }
  }
  return 0;
}
