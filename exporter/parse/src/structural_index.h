// Stage 1 of the parser: simdjson's structural indexer behind a small
// interface of our own, so that the rest of the module (and every reader)
// sees only an array of token offsets and never a simdjson type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace vb365::parse_internal {

// The deepest nesting a document may have (simdjson's limit and the
// walker's); also bounds the sentinels below.
inline constexpr int kMaxDepth = 256;

class StructuralIndex {
 public:
  // Slots after the last token that repeat it. A walk can consume one
  // sentinel per open bracket at most (a ']' closes one level per read; a
  // '[' opens one until kMaxDepth), then fails, so this many always suffice.
  static constexpr size_t kSentinels = kMaxDepth + 8;

  StructuralIndex();
  ~StructuralIndex();
  StructuralIndex(const StructuralIndex&) = delete;
  StructuralIndex& operator=(const StructuralIndex&) = delete;

  // Indexes data[0, size), which is followed by at least 64 readable bytes.
  // Returns nullptr on success, else simdjson's description of the error
  // (invalid UTF-8, an unclosed string, an empty document, ...). On success
  // tokens()[0, count()) are the byte offsets of every token, followed by
  // kSentinels copies of the last one.
  const char* Build(const char* data, size_t size);
  const uint32_t* tokens() const;
  uint32_t count() const;

  // Bytes held (one uint32_t per byte of the largest input so far).
  size_t MemoryUsage() const;
  // Frees the buffers; the next Build allocates again.
  void Release();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vb365::parse_internal
