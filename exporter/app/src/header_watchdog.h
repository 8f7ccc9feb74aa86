// Cuts connections whose request header is late. libmicrohttpd's own
// timeout counts inactivity, which a client that sends one byte a second
// resets forever; this one counts from the connection's start (or from the
// end of its previous response plus the idle timeout) and does not move.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace vb365 {

// Thread-safe: the event-loop threads report connections, its own thread
// cuts the late ones (shutdown(2) on the socket, which the event loop then
// sees as closed and cleans up; the socket itself is closed only by the
// loop, after Closed, so a cut never hits a reused descriptor).
class HeaderWatchdog {
 public:
  struct Connection;  // opaque to the event loop

  HeaderWatchdog(std::chrono::milliseconds header_timeout,
                 std::chrono::milliseconds idle_timeout);
  ~HeaderWatchdog();
  HeaderWatchdog(const HeaderWatchdog&) = delete;
  HeaderWatchdog& operator=(const HeaderWatchdog&) = delete;

  // A new connection on socket fd: its header is due header_timeout from
  // now.
  Connection* Opened(int fd);
  // Its request header is complete: no deadline while it is answered.
  void HeaderDone(Connection* c);
  // Its response is sent: the next header is due idle + header timeout
  // from now.
  void RequestDone(Connection* c);
  // The event loop closes it (before closing the socket); c is freed.
  void Closed(Connection* c);

  uint64_t cut() const { return cut_.load(); }

 private:
  using Clock = std::chrono::steady_clock;
  void Loop();

  const std::chrono::milliseconds header_timeout_;
  const std::chrono::milliseconds idle_timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::unordered_set<Connection*> connections_;
  std::atomic<uint64_t> cut_{0};
  std::thread thread_;
};

}  // namespace vb365
