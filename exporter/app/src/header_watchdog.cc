#include "header_watchdog.h"

#include <sys/socket.h>

#include <algorithm>

namespace vb365 {

struct HeaderWatchdog::Connection {
  int fd = -1;
  Clock::time_point deadline;
  bool in_request = false;  // header read, the answer under way
  bool cut = false;
};

HeaderWatchdog::HeaderWatchdog(std::chrono::milliseconds header_timeout,
                               std::chrono::milliseconds idle_timeout)
    : header_timeout_(header_timeout),
      idle_timeout_(idle_timeout),
      thread_([this] { Loop(); }) {}

HeaderWatchdog::~HeaderWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (Connection* c : connections_) delete c;
}

HeaderWatchdog::Connection* HeaderWatchdog::Opened(int fd) {
  auto* c = new Connection;
  c->fd = fd;
  c->deadline = Clock::now() + header_timeout_;
  std::lock_guard<std::mutex> lock(mu_);
  connections_.insert(c);
  return c;
}

void HeaderWatchdog::HeaderDone(Connection* c) {
  std::lock_guard<std::mutex> lock(mu_);
  c->in_request = true;
}

void HeaderWatchdog::RequestDone(Connection* c) {
  std::lock_guard<std::mutex> lock(mu_);
  c->in_request = false;
  c->deadline = Clock::now() + idle_timeout_ + header_timeout_;
}

void HeaderWatchdog::Closed(Connection* c) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections_.erase(c);
  }
  delete c;
}

void HeaderWatchdog::Loop() {
  // A tenth of the timeout, between 10 and 100 ms: a cut comes at most
  // that late.
  const auto tick = std::clamp<std::chrono::milliseconds>(
      header_timeout_ / 10, std::chrono::milliseconds(10),
      std::chrono::milliseconds(100));
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, tick, [this] { return stop_; })) {
    const auto now = Clock::now();
    for (Connection* c : connections_) {
      if (c->in_request || c->cut || now < c->deadline || c->fd < 0) continue;
      // Under mu_: Closed (called before the loop closes the socket) waits
      // for it, so fd is still this connection's.
      // Counted first: whoever sees the socket close sees the count.
      cut_.fetch_add(1);
      c->cut = true;
      shutdown(c->fd, SHUT_RDWR);
    }
  }
}

}  // namespace vb365
