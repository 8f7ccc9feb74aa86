#include "parse/padded_body.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace vb365 {

const char PaddedBody::kEmpty[kParsePadding] = {};

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
    std::free(buf_);
    buf_ = std::exchange(other.buf_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

PaddedBody::~PaddedBody() { std::free(buf_); }

void PaddedBody::Grow(size_t min_capacity) {
  void* p = std::realloc(buf_, min_capacity + kParsePadding);
  if (p == nullptr) throw std::bad_alloc();
  buf_ = static_cast<char*>(p);
  capacity_ = min_capacity;
}

void PaddedBody::Reserve(size_t n) {
  if (n > capacity_ || buf_ == nullptr) {
    Grow(n);
    std::memset(buf_ + size_, 0, kParsePadding);
  }
}

void PaddedBody::Append(const char* bytes, size_t n) {
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
