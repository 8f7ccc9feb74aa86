// Raw deflate streams (RFC 1951) and their gzip framing (RFC 1952), with
// zlib: the metrics page is kept as a deflate stream and a gzip'd scrape
// splices that stream into its response instead of compressing it again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct z_stream_s;

namespace vb365 {

// A text kept as one complete raw deflate stream (final block included,
// compressed on its own: it never refers back before its own start), with
// the CRC-32 and length of the text.
struct DeflatedPage {
  std::string deflated;
  uint32_t crc32 = 0;
  size_t size = 0;
};

// A raw deflate stream written piece by piece (default level and memory
// use), with the CRC-32 and length of what went in. Every zlib return code
// is checked: after a failure ok() is false, every later Write fails and
// TakePage() gives nothing, so a failed stream is never served.
class Deflater {
 public:
  // How a Write ends the stream so far.
  enum class End {
    kNone,   // more follows
    kSync,   // byte-aligned, not final: anyone may append blocks
    kFinal,  // the final block: the stream is complete
  };

  // Throws std::bad_alloc when zlib cannot set up its state.
  Deflater();
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Compresses `in` (appended to the stream). False when zlib failed now
  // or before, or when the stream was already final.
  bool Write(std::string_view in, End end = End::kNone);
  bool ok() const { return ok_; }

  // The compressed bytes so far (moved out; for a kSync'd head).
  // nullopt after a failure.
  std::optional<std::string> TakeStream();
  // The complete page (after a kFinal Write); nullopt after a failure or
  // before the final block.
  std::optional<DeflatedPage> TakePage();

 private:
  z_stream_s* z_;
  std::string out_;
  uint32_t crc_;
  size_t size_ = 0;
  bool ok_ = true;
  bool final_ = false;
};

// `text` as a complete page (one final Write); nullopt when zlib failed.
std::optional<DeflatedPage> DeflatePage(std::string_view text);

// Appends the text of `page` to *out, inflated in place (no second copy).
// False when the stream does not inflate to exactly page.size bytes (*out
// then holds garbage after its old end).
bool InflatePage(const DeflatedPage& page, std::string* out);

// One gzip member (RFC 1952) of the text `head` followed by the text of
// `tail`: head is deflated and sync-flushed (it ends on a byte boundary and
// is not final), tail's stream is appended as it is, and the trailer's
// CRC-32 is combined from the two. Without a tail, head alone is deflated
// with a final block. nullopt when compressing head failed.
std::optional<std::string> GzipMember(std::string_view head,
                                      const DeflatedPage* tail);

}  // namespace vb365
