// The HTTP server's bounds on real sockets (127.0.0.x): slow-header and
// idle connections do not keep a scrape from answering, the connection
// limits hold, a header trickle is cut at the header-read timeout, an idle
// kept-alive connection at the idle timeout. Bounds are loose (seconds): the
// tests check behaviour, not speed (bench/http_load measures that).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/http_server.h"
#include "metrics/snapshot_collector.h"

namespace vb365 {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A TCP connection from `source` (a 127.0.0.0/8 address) to 127.0.0.1:port.
class Conn {
 public:
  Conn(const char* source, int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, source, &a.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) Close();
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (fd_ >= 0 &&
        connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      Close();
    }
  }
  ~Conn() { Close(); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  bool ok() const { return fd_ >= 0; }
  bool Send(const std::string& s) {
    return send(fd_, s.data(), s.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(s.size());
  }
  // Reads until `what` arrived (true), or EOF, error or timeout (false).
  bool ReadUntil(const std::string& what, milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    while (got_.find(what) == std::string::npos) {
      if (!Wait(end)) return false;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      got_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  // True when the server closed (EOF or reset) before the timeout; data
  // that arrives meanwhile is kept.
  bool ClosedWithin(milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    for (;;) {
      if (!Wait(end)) return false;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return true;
      got_.append(buf, static_cast<size_t>(n));
    }
  }
  const std::string& got() const { return got_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  bool Wait(Clock::time_point end) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(end - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, static_cast<int>(left)) > 0;
  }
  int fd_ = -1;
  std::string got_;
};

const char kRequest[] =
    "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n\r\n";
const char kHalfHeader[] = "GET /metrics HTTP/1.1\r\nHost: 127.0";

class HttpServerLimitsTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options) {
    options.listen_address = "127.0.0.1:0";
    auto snap = std::make_shared<ServerSnapshot>();
    snap->server = "east";
    snap->up = true;
    collector_.Publish(snap);
    server_ =
        std::make_unique<HttpServer>(options, Exposition({}, &collector_));
    ASSERT_TRUE(server_->Start().ok());
  }
  // A plain scrape by a well-behaved client from 127.0.0.1.
  bool Scrape() {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(5, 0);
    auto res = client.Get("/metrics");
    return res && res->status == 200 &&
           res->body.find("vb365_up{server=\"east\"} 1") != std::string::npos;
  }
  std::vector<std::unique_ptr<Conn>> Open(const char* source, int n) {
    std::vector<std::unique_ptr<Conn>> v;
    for (int i = 0; i < n; ++i) {
      v.push_back(std::make_unique<Conn>(source, server_->port()));
      EXPECT_TRUE(v.back()->ok()) << "connection " << i << " from " << source;
    }
    return v;
  }
  SnapshotCollector collector_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerLimitsTest,
       PlainScrapeAnswersWhileSlowHeadersAndIdleConnectionsAreHeld) {
  HttpServerOptions o;
  o.max_connections = 100;
  o.max_connections_per_client = 30;
  o.read_header_timeout = seconds(60);  // the slow ones stay for the test
  o.idle_timeout = seconds(60);
  Start(o);
  // 20 clients that sent half a header and wait.
  auto slow = Open("127.0.0.2", 20);
  for (auto& c : slow) ASSERT_TRUE(c->Send(kHalfHeader));
  // As many kept-alive idle connections as one client may hold: each
  // scraped once and now sends nothing.
  auto idle = Open("127.0.0.3", 30);
  for (auto& c : idle) {
    ASSERT_TRUE(c->Send(kRequest));
    ASSERT_TRUE(c->ReadUntil("vb365_up", seconds(5)));
  }
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(Scrape()) << "scrape " << i;
  // The slow and idle ones are still open (neither cut nor served).
  EXPECT_FALSE(slow.front()->ClosedWithin(milliseconds(100)));
  EXPECT_FALSE(idle.front()->ClosedWithin(milliseconds(100)));
  EXPECT_EQ(slow.front()->got(), "");
}

TEST_F(HttpServerLimitsTest, AClientOverItsShareIsClosedOthersAreServed) {
  HttpServerOptions o;
  o.max_connections = 100;
  o.max_connections_per_client = 5;
  Start(o);
  auto held = Open("127.0.0.2", 5);
  for (auto& c : held) ASSERT_TRUE(c->Send(kHalfHeader));
  // Let the server accept them before the sixth arrives.
  std::this_thread::sleep_for(milliseconds(200));
  Conn sixth("127.0.0.2", server_->port());
  ASSERT_TRUE(sixth.ok());  // the kernel accepts; the server closes it
  sixth.Send(kRequest);
  EXPECT_TRUE(sixth.ClosedWithin(seconds(5)));
  EXPECT_EQ(sixth.got().find("200 OK"), std::string::npos);
  EXPECT_TRUE(Scrape());  // another address is not affected
}

TEST_F(HttpServerLimitsTest,
       ConnectionsOverTheLimitAreNotServedUntilOneCloses) {
  HttpServerOptions o;
  o.max_connections = 4;
  o.max_connections_per_client = 100;
  o.threads = 1;  // the limit is divided among the event-loop threads
  Start(o);
  auto held = Open("127.0.0.2", 4);
  for (auto& c : held) ASSERT_TRUE(c->Send(kHalfHeader));
  std::this_thread::sleep_for(milliseconds(200));
  // The fifth waits in the listen queue (as Prometheus's own
  // --web.max-connections): no answer while four are held.
  Conn fifth("127.0.0.3", server_->port());
  ASSERT_TRUE(fifth.ok());
  ASSERT_TRUE(fifth.Send(kRequest));
  EXPECT_FALSE(fifth.ReadUntil("HTTP/1.1", seconds(1)));
  held.front()->Close();
  EXPECT_TRUE(fifth.ReadUntil("vb365_up", seconds(5))) << fifth.got();
}

TEST_F(HttpServerLimitsTest, AHeaderTrickleIsCutAtTheHeaderReadTimeout) {
  HttpServerOptions o;
  o.read_header_timeout = seconds(1);
  o.idle_timeout = seconds(30);  // inactivity alone would never cut it
  Start(o);
  Conn c("127.0.0.2", server_->port());
  ASSERT_TRUE(c.Send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
  const auto start = Clock::now();
  bool closed = false;
  while (!closed && Clock::now() - start < seconds(10)) {
    if (!c.Send("a")) break;  // a byte every 100 ms
    closed = c.ClosedWithin(milliseconds(100));
  }
  const auto took = Clock::now() - start;
  EXPECT_TRUE(closed);
  EXPECT_GE(took, milliseconds(900));  // not before the deadline
  EXPECT_LT(took, seconds(5));         // at the deadline, not at inactivity
  EXPECT_EQ(c.got().find("200 OK"), std::string::npos);
  EXPECT_GE(server_->header_timeouts(), 1u);
  EXPECT_TRUE(Scrape());
}

TEST_F(HttpServerLimitsTest,
       AKeptAliveConnectionMaySendItsNextHeaderAfterTheHeaderTimeout) {
  // After a response, a kept-alive connection has idle + header timeout
  // for its next header, not the header timeout alone.
  HttpServerOptions o;
  o.read_header_timeout = milliseconds(300);
  o.idle_timeout = seconds(1);
  Start(o);
  Conn c("127.0.0.2", server_->port());
  ASSERT_TRUE(c.Send(kRequest));
  ASSERT_TRUE(c.ReadUntil("vb365_up", seconds(5)));
  std::this_thread::sleep_for(milliseconds(600));  // > header timeout
  ASSERT_TRUE(c.Send(kRequest));
  EXPECT_TRUE(c.ReadUntil("HTTP/1.1 200 OK", seconds(5)));
}

TEST_F(HttpServerLimitsTest,
       AnIdleKeptAliveConnectionIsClosedAtTheIdleTimeout) {
  HttpServerOptions o;
  o.idle_timeout = seconds(1);
  o.read_header_timeout = seconds(30);
  Start(o);
  Conn c("127.0.0.2", server_->port());
  ASSERT_TRUE(c.Send(kRequest));
  ASSERT_TRUE(c.ReadUntil("vb365_up", seconds(5)));
  const auto start = Clock::now();
  EXPECT_TRUE(c.ClosedWithin(seconds(10)));
  EXPECT_GE(Clock::now() - start, milliseconds(500));
  EXPECT_LT(Clock::now() - start, seconds(5));
}

}  // namespace
}  // namespace vb365
