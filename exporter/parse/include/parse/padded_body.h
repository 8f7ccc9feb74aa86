// PaddedBody: a response body that always has kParsePadding readable bytes
// after its end, the only input the Parser accepts. The padding lets the
// parser (simdjson's stage 1 and the walker's whole-word reads) read past the
// last byte without a bounds check, and the receive path fills the body in
// place, so the body is never copied to be parsed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vb365 {

class Parser;

// Bytes the parser may read past the end of its input.
inline constexpr size_t kParsePadding = 64;
// A body above this is "large" (SetLargeBodyLimit): whole v3/v4 histories,
// job lists of hundreds of jobs. The exporter's mmap threshold too.
inline constexpr size_t kLargeBody = 256 * 1024;

// What SetLargeBodyLimit's slots did since the start (self metrics).
struct LargeBodyStats {
  int limit = 0;              // slots (0: no limit)
  int in_use = 0;             // bodies holding a slot now
  int peak_in_use = 0;        // most at once since the last SetLargeBodyLimit
  uint64_t acquired = 0;      // large bodies received under the limit
  uint64_t waits = 0;         // of them, those that waited for a slot
  double wait_seconds = 0.0;  // time spent waiting, summed
};

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
  // Under SetLargeBodyLimit, growing past kLargeBody first takes a slot
  // (and may wait for one).
  void Append(const char* bytes, size_t n);
  // Room for at least n body bytes (the receive path, as Append).
  void Reserve(size_t n);
  // Empties the body and keeps the buffer; a large body's slot is given
  // back (the next Append takes one again).
  void Clear();

  // The parser that goes with this body's slot (SetLargeBodyLimit): its
  // index, sized for large bodies, is pooled with the slot's buffer. nullptr
  // when the body holds no slot (parse with the thread's own parser).
  Parser* slot_parser() const;

  // Large responses held at once by the receive path over the whole process
  // (0, the default: no limit). A body that grows past kLargeBody through
  // Reserve or Append takes one of `slots` first, waiting until one is free
  // (the receive path waits once the response's headers have arrived, so
  // the server's own time to answer still overlaps); it gives the slot back
  // when it is destroyed, cleared or moved over. A thread that already
  // holds a slot never waits for another (no deadlock when one thread holds
  // two bodies), so a limit can be exceeded by such second bodies. While
  // some thread has SetThreadReuse on, up to `slots` freed slots keep their
  // buffer and their parser's index for the next large body; when the last
  // such thread turns it off they are freed. Thread-safe; a new limit wakes
  // the waiters.
  static void SetLargeBodyLimit(int slots);
  static LargeBodyStats GetLargeBodyStats();

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

  struct Slot;  // a large body's pooled buffer and parser

 private:
  // `receive`: Reserve or Append, which take a slot above kLargeBody.
  void Grow(size_t min_capacity, bool receive);
  // An empty body without a buffer takes the thread's kept one, if any.
  void TakeKept();
  // Frees or recycles the buffer (a slot goes back to its pool).
  void DropBuffer();

  static const char kEmpty[kParsePadding];
  char* buf_ = nullptr;  // capacity_ + kParsePadding bytes from malloc
  size_t size_ = 0;
  size_t capacity_ = 0;
  Slot* slot_ = nullptr;  // owns buf_ while set (lent by the slot pool)
};

}  // namespace vb365
