// PaddedBody: a response body that always has kParsePadding readable bytes
// after its end, the only input the Parser accepts. The padding lets the
// parser (simdjson's stage 1 and the walker's whole-word reads) read past the
// last byte without a bounds check, and the receive path fills the body in
// place, so the body is never copied to be parsed.
#pragma once

#include <cstddef>
#include <string_view>

namespace vb365 {

// Bytes the parser may read past the end of its input.
inline constexpr size_t kParsePadding = 64;

class PaddedBody {
 public:
  // Empty; data() still has kParsePadding readable (zero) bytes.
  PaddedBody() noexcept = default;
  // A copy of `bytes` in a buffer of exactly size + kParsePadding bytes (so
  // a sanitizer sees any read past the padding), the padding set to `fill`:
  // the parser never depends on the padding's content (the tests and the
  // fuzzer fill it with bytes that look like JSON).
  explicit PaddedBody(std::string_view bytes, char fill = '\0');
  PaddedBody(const PaddedBody& other);
  PaddedBody& operator=(const PaddedBody& other);
  PaddedBody(PaddedBody&& other) noexcept;
  PaddedBody& operator=(PaddedBody&& other) noexcept;
  ~PaddedBody();

  // size() bytes of body followed by kParsePadding readable bytes.
  const char* data() const { return buf_ != nullptr ? buf_ : kEmpty; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return std::string_view(data(), size_); }
  // Body bytes that fit without a new allocation (padding not counted).
  size_t capacity() const { return capacity_; }

  // Appends n bytes (the receive path: one call per chunk). The buffer
  // grows geometrically with realloc, which moves a large buffer's pages
  // instead of copying them; the padding after the new end is zeroed.
  void Append(const char* bytes, size_t n);
  // Room for at least n body bytes.
  void Reserve(size_t n);
  // Empties the body and keeps the buffer.
  void Clear();

  // Buffer reuse for the calling thread (on: a refresh's worker, which
  // receives one large body after another). While on, the buffer of a body
  // freed on this thread is kept (one a thread, the largest) and the next
  // Reserve or Append of an empty body on it takes that buffer instead of
  // a new one: no mmap, page faults and munmap per response (glibc maps
  // every block above the exporter's 256 kB mmap threshold afresh).
  // Turning it off, or the thread's end, frees the kept buffer. Off by
  // default; the constructors never take a kept buffer (they allocate
  // exactly, for the sanitizers).
  static void SetThreadReuse(bool on);

 private:
  void Grow(size_t min_capacity);
  // An empty body without a buffer takes the thread's kept one, if any.
  void TakeKept();

  static const char kEmpty[kParsePadding];
  char* buf_ = nullptr;  // capacity_ + kParsePadding bytes from malloc
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace vb365
