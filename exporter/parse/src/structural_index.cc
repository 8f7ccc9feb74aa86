// The one file that uses simdjson's internal API: its stage 1 (structural
// indexing: UTF-8 validation, strings, structural characters, the kernel
// chosen at run time for the CPU) without its stage 2 (the DOM tree, which
// the parser does not need; docs/parsing.md has the figures).
//
// simdjson::internal::dom_parser_implementation is marked "for internal
// implementation use": it may change in any simdjson release. This file is
// built and tested against simdjson 3.0.1 (Debian 12, libsimdjson-dev
// 3.0.1-1), and exporter/parse/CMakeLists.txt refuses any version outside
// [3.0.1, 3.1.0) at configure time. To admit another version: build it, run
// parser_test, padded_body_test, parse_fuzzer_corpus and parse_bench, and
// widen the range there and here.
#include "structural_index.h"

#include <simdjson.h>

namespace vb365::parse_internal {

struct StructuralIndex::Impl {
  std::unique_ptr<simdjson::internal::dom_parser_implementation> stage1;
};

StructuralIndex::StructuralIndex() : impl_(std::make_unique<Impl>()) {}
StructuralIndex::~StructuralIndex() = default;

const char* StructuralIndex::Build(const char* data, size_t size) {
  static_assert(simdjson::SIMDJSON_PADDING <= 64,
                "PaddedBody's padding (kParsePadding) is smaller than "
                "simdjson's: raise kParsePadding");
  auto& stage1 = impl_->stage1;
  if (size > 0xFFFFF000u) return simdjson::error_message(simdjson::CAPACITY);
  // simdjson sizes the index by capacity (one slot per byte at most, plus
  // a few): asking for kSentinels more bytes leaves room for sentinels.
  const size_t want = (size < 4096 ? 4096 : size) + kSentinels;
  if (!stage1) {
    if (auto e =
            simdjson::get_active_implementation()
                ->create_dom_parser_implementation(want, kMaxDepth, stage1)) {
      stage1.reset();
      return simdjson::error_message(e);
    }
  } else if (stage1->capacity() < size + kSentinels) {
    if (auto e = stage1->set_capacity(want)) {
      stage1.reset();
      return simdjson::error_message(e);
    }
  }
  if (auto e = stage1->stage1(reinterpret_cast<const uint8_t*>(data), size,
                              simdjson::stage1_mode::regular)) {
    return simdjson::error_message(e);
  }
  const uint32_t n = stage1->n_structural_indexes;
  if (n == 0) return simdjson::error_message(simdjson::EMPTY);
  uint32_t* idx = stage1->structural_indexes.get();
  const uint32_t last = idx[n - 1];
  for (size_t i = 0; i < kSentinels; ++i) idx[n + i] = last;
  return nullptr;
}

const uint32_t* StructuralIndex::tokens() const {
  return impl_->stage1->structural_indexes.get();
}

uint32_t StructuralIndex::count() const {
  return impl_->stage1->n_structural_indexes;
}

size_t StructuralIndex::MemoryUsage() const {
  // Stage 1 holds one uint32_t per byte of capacity (plus a few).
  return impl_->stage1 ? impl_->stage1->capacity() * 4 : 0;
}

void StructuralIndex::Release() { impl_->stage1.reset(); }

}  // namespace vb365::parse_internal
