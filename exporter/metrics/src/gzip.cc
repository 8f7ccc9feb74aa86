#include "metrics/gzip.h"

#include <zlib.h>

#include <memory>
#include <new>
#include <utility>

namespace vb365 {
namespace {

uint32_t Crc32(uint32_t crc, std::string_view in) {
  return static_cast<uint32_t>(crc32(crc,
                                     reinterpret_cast<const Bytef*>(in.data()),
                                     static_cast<uInt>(in.size())));
}

uint32_t Crc32(std::string_view in) {
  return Crc32(static_cast<uint32_t>(crc32(0, nullptr, 0)), in);
}

void PutLe32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// The gzip header: deflate, no name, no mtime, unknown OS.
constexpr char kGzipHeader[] = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, '\xff'};

}  // namespace

Deflater::Deflater()
    : z_(new z_stream{}), crc_(static_cast<uint32_t>(crc32(0, nullptr, 0))) {
  // Raw (-15), default level, 8: zlib's default memory use.
  if (deflateInit2(z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    delete z_;
    throw std::bad_alloc();
  }
}

Deflater::~Deflater() {
  deflateEnd(z_);
  delete z_;
}

bool Deflater::Write(std::string_view in, End end) {
  // After a failure the stream is unusable. (More input after the final
  // block is refused by zlib itself, and caught below.)
  if (!ok_) return false;
  const int flush = end == End::kFinal  ? Z_FINISH
                    : end == End::kSync ? Z_SYNC_FLUSH
                                        : Z_NO_FLUSH;
  crc_ = Crc32(crc_, in);
  size_ += in.size();
  z_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z_->avail_in = static_cast<uInt>(in.size());
  Bytef buf[16384];
  int rc = Z_OK;
  do {  // until deflate leaves room in the output: all input taken
    z_->next_out = buf;
    z_->avail_out = sizeof(buf);
    rc = deflate(z_, flush);
    // Z_BUF_ERROR only says no progress was possible (nothing left to do):
    // not an error as long as all the input was taken (checked below).
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) break;
    out_.append(reinterpret_cast<const char*>(buf),
                sizeof(buf) - z_->avail_out);
  } while (z_->avail_out == 0);
  const bool taken = z_->avail_in == 0;
  z_->next_in = nullptr;
  z_->avail_in = 0;
  if (flush == Z_FINISH) {
    final_ = true;
    ok_ = taken && rc == Z_STREAM_END;
  } else if (final_) {
    ok_ = false;  // zlib says Z_STREAM_ERROR; checked here all the same
  } else {
    ok_ = taken && (rc == Z_OK || rc == Z_BUF_ERROR);
  }
  return ok_;
}

std::optional<std::string> Deflater::TakeStream() {
  if (!ok_) return std::nullopt;
  return std::move(out_);
}

std::optional<DeflatedPage> Deflater::TakePage() {
  if (!ok_ || !final_) return std::nullopt;
  DeflatedPage page;
  page.deflated = std::move(out_);
  page.crc32 = crc_;
  page.size = size_;
  return page;
}

std::optional<DeflatedPage> DeflatePage(std::string_view text) {
  Deflater d;
  d.Write(text, Deflater::End::kFinal);
  return d.TakePage();
}

bool InflatePage(const DeflatedPage& page, std::string* out) {
  const size_t start = out->size();
  out->resize(start + page.size);
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(page.deflated.data()));
  z.avail_in = static_cast<uInt>(page.deflated.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data() + start);
  z.avail_out = static_cast<uInt>(page.size);
  const bool ok = inflate(&z, Z_FINISH) == Z_STREAM_END && z.avail_out == 0;
  inflateEnd(&z);
  return ok;
}

std::optional<std::string> GzipMember(std::string_view head,
                                      const DeflatedPage* tail) {
  std::string out(kGzipHeader, sizeof(kGzipHeader));
  Deflater d;
  if (tail == nullptr) {
    if (!d.Write(head, Deflater::End::kFinal)) return std::nullopt;
    out += *d.TakeStream();
    PutLe32(Crc32(head), &out);
    PutLe32(static_cast<uint32_t>(head.size()), &out);
    return out;
  }
  if (!d.Write(head, Deflater::End::kSync)) return std::nullopt;
  const std::string head_stream = *d.TakeStream();
  out.reserve(out.size() + head_stream.size() + tail->deflated.size() + 8);
  // The head's blocks end byte-aligned and are not final, and the tail's
  // stream never refers back before its own start: the two concatenated
  // are one valid deflate stream of head + tail.
  out += head_stream;
  out += tail->deflated;
  PutLe32(static_cast<uint32_t>(crc32_combine(
              Crc32(head), tail->crc32, static_cast<z_off_t>(tail->size))),
          &out);
  PutLe32(static_cast<uint32_t>(head.size() + tail->size), &out);
  return out;
}

}  // namespace vb365
