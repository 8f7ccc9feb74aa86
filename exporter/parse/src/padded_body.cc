#include "parse/padded_body.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace vb365 {

const char PaddedBody::kEmpty[kParsePadding] = {};

namespace {

// The calling thread's kept buffer (SetThreadReuse).
struct KeptBuffer {
  char* buf = nullptr;  // capacity + kParsePadding bytes from malloc
  size_t capacity = 0;
  bool on = false;
  ~KeptBuffer() { std::free(buf); }
};
thread_local KeptBuffer kept;

// Keeps buf (the larger of it and the kept one) or frees it.
void Recycle(char* buf, size_t capacity) {
  if (buf == nullptr) return;
  if (!kept.on) {
    std::free(buf);
    return;
  }
  if (kept.buf != nullptr && kept.capacity >= capacity) {
    std::free(buf);
    return;
  }
  std::free(kept.buf);
  kept.buf = buf;
  kept.capacity = capacity;
}

}  // namespace

void PaddedBody::SetThreadReuse(bool on) {
  kept.on = on;
  if (!on) {
    std::free(kept.buf);
    kept.buf = nullptr;
    kept.capacity = 0;
  }
}

void PaddedBody::TakeKept() {
  if (buf_ != nullptr || kept.buf == nullptr) return;
  buf_ = std::exchange(kept.buf, nullptr);
  capacity_ = std::exchange(kept.capacity, 0);
  size_ = 0;
  std::memset(buf_, 0, kParsePadding);
}

PaddedBody::PaddedBody(std::string_view bytes, char fill) {
  Grow(bytes.size());
  if (!bytes.empty()) std::memcpy(buf_, bytes.data(), bytes.size());
  size_ = bytes.size();
  std::memset(buf_ + size_, fill, kParsePadding);
}

PaddedBody::PaddedBody(const PaddedBody& other)
    : PaddedBody(other.view(), '\0') {}

PaddedBody& PaddedBody::operator=(const PaddedBody& other) {
  if (this != &other) {
    Clear();
    Append(other.data(), other.size());
  }
  return *this;
}

PaddedBody::PaddedBody(PaddedBody&& other) noexcept
    : buf_(std::exchange(other.buf_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

PaddedBody& PaddedBody::operator=(PaddedBody&& other) noexcept {
  if (this != &other) {
    Recycle(buf_, capacity_);
    buf_ = std::exchange(other.buf_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

PaddedBody::~PaddedBody() { Recycle(buf_, capacity_); }

void PaddedBody::Grow(size_t min_capacity) {
  void* p = std::realloc(buf_, min_capacity + kParsePadding);
  if (p == nullptr) throw std::bad_alloc();
  buf_ = static_cast<char*>(p);
  capacity_ = min_capacity;
}

void PaddedBody::Reserve(size_t n) {
  TakeKept();
  if (n > capacity_ || buf_ == nullptr) {
    Grow(n);
    std::memset(buf_ + size_, 0, kParsePadding);
  }
}

void PaddedBody::Append(const char* bytes, size_t n) {
  TakeKept();
  if (size_ + n > capacity_ || buf_ == nullptr) {
    const size_t doubled = capacity_ * 2;
    Grow(size_ + n > doubled ? size_ + n : doubled);
  }
  if (n > 0) std::memcpy(buf_ + size_, bytes, n);
  size_ += n;
  std::memset(buf_ + size_, 0, kParsePadding);
}

void PaddedBody::Clear() {
  size_ = 0;
  if (buf_ != nullptr) std::memset(buf_, 0, kParsePadding);
}

}  // namespace vb365
