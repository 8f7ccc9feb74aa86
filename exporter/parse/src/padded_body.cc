#include "parse/padded_body.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "parse/parser.h"

namespace vb365 {

const char PaddedBody::kEmpty[kParsePadding] = {};

struct PaddedBody::Slot {
  char* buf = nullptr;  // capacity + kParsePadding bytes from malloc, or
  size_t capacity = 0;  // nullptr while lent to a body
  std::unique_ptr<Parser> parser;
  ~Slot() { std::free(buf); }
};

namespace {

// The calling thread's kept buffer (SetThreadReuse).
struct KeptBuffer {
  char* buf = nullptr;  // capacity + kParsePadding bytes from malloc
  size_t capacity = 0;
  bool on = false;
  ~KeptBuffer() { std::free(buf); }
};
thread_local KeptBuffer kept;

// Slots the calling thread holds (it never waits for a second one).
thread_local int slots_held = 0;

// The process's large-body slots (SetLargeBodyLimit).
class SlotPool {
 public:
  using Slot = PaddedBody::Slot;

  // Never destroyed: a thread may give a slot back during exit.
  static SlotPool& Get() {
    static SlotPool* pool = new SlotPool;
    return *pool;
  }

  bool limited() {
    std::lock_guard<std::mutex> lock(mu_);
    return limit_ > 0;
  }

  void SetLimit(int slots) {
    std::vector<std::unique_ptr<Slot>> drop;
    {
      std::lock_guard<std::mutex> lock(mu_);
      limit_ = slots < 0 ? 0 : slots;
      peak_in_use_ = in_use_;
      while (free_.size() > static_cast<size_t>(limit_)) {
        drop.push_back(std::move(free_.back()));
        free_.pop_back();
      }
    }
    changed_.notify_all();
  }

  // Waits for a free slot unless the thread already holds one.
  Slot* Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    if (slots_held == 0 && limit_ > 0 && in_use_ >= limit_) {
      ++waits_;
      const auto start = std::chrono::steady_clock::now();
      changed_.wait(lock, [&] { return limit_ == 0 || in_use_ < limit_; });
      wait_seconds_ += std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
    }
    ++in_use_;
    if (in_use_ > peak_in_use_) peak_in_use_ = in_use_;
    ++acquired_;
    ++slots_held;
    if (free_.empty()) return new Slot;
    Slot* slot = free_.back().release();
    free_.pop_back();
    return slot;
  }

  void Release(Slot* slot) {
    std::unique_ptr<Slot> owned(slot);
    {
      std::lock_guard<std::mutex> lock(mu_);
      --in_use_;
      --slots_held;
      if (reusing_threads_ > 0 && free_.size() < static_cast<size_t>(limit_)) {
        free_.push_back(std::move(owned));
      }
    }
    changed_.notify_one();
    // `owned`, when not kept, frees the buffer and the parser here, outside
    // the lock.
  }

  void ThreadReuse(bool on) {
    std::vector<std::unique_ptr<Slot>> drop;
    {
      std::lock_guard<std::mutex> lock(mu_);
      reusing_threads_ += on ? 1 : -1;
      if (reusing_threads_ == 0) drop.swap(free_);
    }
  }

  LargeBodyStats Stats() {
    std::lock_guard<std::mutex> lock(mu_);
    LargeBodyStats s;
    s.limit = limit_;
    s.in_use = in_use_;
    s.peak_in_use = peak_in_use_;
    s.acquired = acquired_;
    s.waits = waits_;
    s.wait_seconds = wait_seconds_;
    return s;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int limit_ = 0;
  int in_use_ = 0;
  int peak_in_use_ = 0;
  int reusing_threads_ = 0;
  uint64_t acquired_ = 0;
  uint64_t waits_ = 0;
  double wait_seconds_ = 0.0;
  std::vector<std::unique_ptr<Slot>> free_;  // kept while reusing_threads_
};

// Keeps buf (the larger of it and the kept one) or frees it. Under a large
// body limit a large buffer is never kept per thread: large buffers are the
// slots' to keep, within the limit.
void Recycle(char* buf, size_t capacity) {
  if (buf == nullptr) return;
  if (!kept.on || (capacity > kLargeBody && SlotPool::Get().limited())) {
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
  if (on != kept.on) SlotPool::Get().ThreadReuse(on);
  kept.on = on;
  if (!on) {
    std::free(kept.buf);
    kept.buf = nullptr;
    kept.capacity = 0;
  }
}

void PaddedBody::SetLargeBodyLimit(int slots) {
  SlotPool::Get().SetLimit(slots);
}

LargeBodyStats PaddedBody::GetLargeBodyStats() {
  return SlotPool::Get().Stats();
}

Parser* PaddedBody::slot_parser() const {
  if (slot_ == nullptr) return nullptr;
  if (!slot_->parser) slot_->parser = std::make_unique<Parser>();
  return slot_->parser.get();
}

void PaddedBody::TakeKept() {
  if (buf_ != nullptr || kept.buf == nullptr) return;
  buf_ = std::exchange(kept.buf, nullptr);
  capacity_ = std::exchange(kept.capacity, 0);
  size_ = 0;
  std::memset(buf_, 0, kParsePadding);
}

void PaddedBody::DropBuffer() {
  if (slot_ != nullptr) {
    slot_->buf = buf_;
    slot_->capacity = capacity_;
    SlotPool::Get().Release(std::exchange(slot_, nullptr));
  } else {
    Recycle(buf_, capacity_);
  }
  buf_ = nullptr;
  size_ = 0;
  capacity_ = 0;
}

PaddedBody::PaddedBody(std::string_view bytes, char fill) {
  Grow(bytes.size(), false);
  if (!bytes.empty()) std::memcpy(buf_, bytes.data(), bytes.size());
  size_ = bytes.size();
  std::memset(buf_ + size_, fill, kParsePadding);
}

PaddedBody::PaddedBody(const PaddedBody& other)
    : PaddedBody(other.view(), '\0') {}

PaddedBody& PaddedBody::operator=(const PaddedBody& other) {
  if (this != &other) {
    size_ = 0;
    if (size_ + other.size() > capacity_ || buf_ == nullptr) {
      Grow(other.size(), false);
    }
    if (!other.empty()) std::memcpy(buf_, other.data(), other.size());
    size_ = other.size();
    std::memset(buf_ + size_, 0, kParsePadding);
  }
  return *this;
}

PaddedBody::PaddedBody(PaddedBody&& other) noexcept
    : buf_(std::exchange(other.buf_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)),
      slot_(std::exchange(other.slot_, nullptr)) {}

PaddedBody& PaddedBody::operator=(PaddedBody&& other) noexcept {
  if (this != &other) {
    DropBuffer();
    buf_ = std::exchange(other.buf_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    slot_ = std::exchange(other.slot_, nullptr);
  }
  return *this;
}

PaddedBody::~PaddedBody() { DropBuffer(); }

void PaddedBody::Grow(size_t min_capacity, bool receive) {
  if (receive && slot_ == nullptr && min_capacity > kLargeBody &&
      SlotPool::Get().limited()) {
    // Large: into a slot's buffer (waiting for a slot), the bytes so far
    // copied over (at most kLargeBody of them).
    Slot* slot = SlotPool::Get().Acquire();
    if (slot->buf == nullptr || slot->capacity < min_capacity) {
      // The old bytes are not needed: no realloc (which would copy them).
      std::free(std::exchange(slot->buf, nullptr));
      slot->capacity = 0;
      void* p = std::malloc(min_capacity + kParsePadding);
      if (p == nullptr) {
        SlotPool::Get().Release(slot);
        throw std::bad_alloc();
      }
      slot->buf = static_cast<char*>(p);
      slot->capacity = min_capacity;
    }
    if (size_ > 0) std::memcpy(slot->buf, buf_, size_);
    Recycle(buf_, capacity_);
    buf_ = std::exchange(slot->buf, nullptr);
    capacity_ = slot->capacity;
    slot_ = slot;
    return;
  }
  void* p = std::realloc(buf_, min_capacity + kParsePadding);
  if (p == nullptr) throw std::bad_alloc();
  buf_ = static_cast<char*>(p);
  capacity_ = min_capacity;
}

void PaddedBody::Reserve(size_t n) {
  TakeKept();
  if (n > capacity_ || buf_ == nullptr) {
    Grow(n, true);
    std::memset(buf_ + size_, 0, kParsePadding);
  }
}

void PaddedBody::Append(const char* bytes, size_t n) {
  TakeKept();
  if (size_ + n > capacity_ || buf_ == nullptr) {
    const size_t doubled = capacity_ * 2;
    Grow(size_ + n > doubled ? size_ + n : doubled, true);
  }
  if (n > 0) std::memcpy(buf_ + size_, bytes, n);
  size_ += n;
  std::memset(buf_ + size_, 0, kParsePadding);
}

void PaddedBody::Clear() {
  if (slot_ != nullptr) {
    DropBuffer();
    return;
  }
  size_ = 0;
  if (buf_ != nullptr) std::memset(buf_, 0, kParsePadding);
}

}  // namespace vb365
