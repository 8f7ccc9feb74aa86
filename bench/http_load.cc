// Load tool for the exporter's HTTP server (issue 10): N keep-alive
// scrapers (a share of them asking for gzip), M slow-header clients and one
// probe (a new connection per scrape, as Prometheus after a restart) against
// 127.0.0.1 for T seconds. Prints scrapes served and failed and the latency
// percentiles of the scrapers and of the probe.
//
//   http_load --port P [--host 127.0.0.1] [--path /metrics] [--seconds 10]
//             [--scrapers 50] [--gzip-share 0.5] [--slow 20]
//             [--slow-mode trickle|stall] [--trickle-ms 1000]
//             [--slow-source 127.0.0.2] [--probe-ms 250] [--timeout-ms 10000]
//             [--interval-ms 0] [--json FILE]
//
// --interval-ms 0: each scraper sends its next request as soon as the last
// answer arrived (saturation: the latency is then mostly queueing, N
// scrapers / throughput); else each scrapes once per interval, as N
// Prometheus servers would.
//
// A scrape is served when the whole response (status 200, Content-Length
// bytes) arrived within --timeout-ms; anything else is a failure. As Go's
// HTTP client (Prometheus) does, a request on a reused connection that the
// server had closed before any byte of the answer (an idle close racing the
// request) is sent once more on a new connection; those are counted as
// "retried", and the latency includes the retry.
// Slow clients send a request line and one header line, then (trickle) one
// more header byte every --trickle-ms, or (stall) nothing; when the server
// closes one, it reconnects. Plain HTTP only: the server's handling of slow
// clients is the same before its TLS layer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/metrics";
  double seconds = 10;
  int scrapers = 50;
  double gzip_share = 0.5;
  int slow = 20;
  bool trickle = true;
  int trickle_ms = 1000;
  std::string slow_source;  // bind address of the slow clients
  int probe_ms = 250;
  int interval_ms = 0;     // per scraper: 0 back to back, else one scrape per
                           // interval, the scrapers spread over it
  int timeout_ms = 10000;  // Prometheus's default scrape_timeout
  std::string json;
};

struct Stats {
  std::mutex mu;
  std::vector<double> latencies_ms;
  long failed = 0;
  long retried = 0;
  std::string first_error;
  void Add(double ms) {
    std::lock_guard<std::mutex> l(mu);
    latencies_ms.push_back(ms);
  }
  void Fail(const std::string& why) {
    std::lock_guard<std::mutex> l(mu);
    ++failed;
    if (first_error.empty()) first_error = why;
  }
};

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

int Connect(const Options& o, const std::string& source) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (!source.empty()) {
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &src.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof(src)) != 0) {
      close(fd);
      return -1;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Reads into buf until deadline; 0 on EOF, -1 on error or timeout.
ssize_t RecvSome(int fd, char* buf, size_t len, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - Clock::now())
                        .count();
  if (left <= 0) return -1;
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(left)) <= 0) return -1;
  return recv(fd, buf, len, 0);
}

enum class Outcome { kOk, kClosedBeforeAnswer, kFailed };

// One request and its whole answer on fd. *keep: the connection may be
// reused.
Outcome Exchange(int fd, const std::string& request, int timeout_ms, bool* keep,
                 std::string* why) {
  *keep = false;
  if (!SendAll(fd, request)) {
    *why = "send failed";
    return Outcome::kClosedBeforeAnswer;
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string head;
  char buf[65536];
  size_t header_end = std::string::npos;
  while (header_end == std::string::npos) {
    ssize_t n = RecvSome(fd, buf, sizeof(buf), deadline);
    if (n <= 0) {
      *why = n == 0 ? "closed by the server" : "timeout or reset";
      return head.empty() && n == 0 ? Outcome::kClosedBeforeAnswer
                                    : Outcome::kFailed;
    }
    head.append(buf, static_cast<size_t>(n));
    header_end = head.find("\r\n\r\n");
  }
  std::string lower = head.substr(0, header_end);
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  if (lower.compare(0, 13, "http/1.1 200 ") != 0) {
    *why = "status: " + head.substr(0, head.find("\r\n"));
    return Outcome::kFailed;
  }
  const size_t cl = lower.find("\r\ncontent-length:");
  if (cl == std::string::npos) {
    *why = "no Content-Length";
    return Outcome::kFailed;
  }
  const size_t length = std::strtoul(lower.c_str() + cl + 17, nullptr, 10);
  size_t have = head.size() - header_end - 4;
  while (have < length) {
    ssize_t n = RecvSome(fd, buf, sizeof(buf), deadline);
    if (n <= 0) {
      *why = "body cut short";
      return Outcome::kFailed;
    }
    have += static_cast<size_t>(n);
  }
  *keep = lower.find("\r\nconnection: close") == std::string::npos;
  return Outcome::kOk;
}

std::string Request(const Options& o, bool gzip, bool close) {
  std::string r = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" +
                  std::to_string(o.port) + "\r\nUser-Agent: http_load\r\n";
  if (gzip) r += "Accept-Encoding: gzip\r\n";
  if (close) r += "Connection: close\r\n";
  return r + "\r\n";
}

void Scraper(const Options& o, bool gzip, int index, Clock::time_point end,
             Stats* st) {
  const std::string req = Request(o, gzip, false);
  if (o.interval_ms > 0) {  // spread, as Prometheus spreads its targets
    std::this_thread::sleep_for(std::chrono::milliseconds(
        static_cast<long>(o.interval_ms) * index / std::max(1, o.scrapers)));
  }
  int fd = -1;
  while (Clock::now() < end) {
    const auto start = Clock::now();
    bool keep = false;
    std::string why;
    Outcome out = Outcome::kFailed;
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = fd >= 0;
      if (fd < 0) fd = Connect(o, "");
      if (fd < 0) {
        why = "connect failed";
        out = Outcome::kFailed;
        break;
      }
      out = Exchange(fd, req, o.timeout_ms, &keep, &why);
      if (out != Outcome::kOk) {
        close(fd);
        fd = -1;
      }
      if (out != Outcome::kClosedBeforeAnswer || !reused) break;
      std::lock_guard<std::mutex> l(st->mu);
      ++st->retried;
    }
    if (out == Outcome::kOk) {
      st->Add(Ms(Clock::now() - start));
      if (!keep) {
        close(fd);
        fd = -1;
      }
    } else {
      st->Fail(why);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (o.interval_ms > 0) {
      std::this_thread::sleep_until(start +
                                    std::chrono::milliseconds(o.interval_ms));
    }
  }
  if (fd >= 0) close(fd);
}

void Probe(const Options& o, Clock::time_point end, Stats* st) {
  const std::string req = Request(o, false, true);
  while (Clock::now() < end) {
    const auto start = Clock::now();
    int fd = Connect(o, "");
    bool keep = false;
    std::string why = "connect failed";
    if (fd >= 0 &&
        Exchange(fd, req, o.timeout_ms, &keep, &why) == Outcome::kOk) {
      st->Add(Ms(Clock::now() - start));
    } else {
      st->Fail(why);
    }
    if (fd >= 0) close(fd);
    std::this_thread::sleep_until(start +
                                  std::chrono::milliseconds(o.probe_ms));
  }
}

struct SlowStats {
  long opened = 0;
  long refused = 0;  // connect failed
  long closed_by_server = 0;
  std::vector<double> lifetimes_ms;  // of the connections the server closed
};

// One thread drives every slow client (they only send a byte now and then).
void SlowClients(const Options& o, Clock::time_point end, SlowStats* st) {
  struct Conn {
    int fd = -1;
    Clock::time_point opened;
    size_t sent = 0;
  };
  const std::string head =
      "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + "\r\n";
  std::vector<Conn> conns(static_cast<size_t>(o.slow));
  auto open = [&](Conn& c) {
    c.fd = Connect(o, o.slow_source);
    if (c.fd < 0) {
      ++st->refused;
      return;
    }
    ++st->opened;
    c.opened = Clock::now();
    c.sent = 0;
    SendAll(c.fd, head);
  };
  for (Conn& c : conns) open(c);
  auto next_byte = Clock::now();
  while (Clock::now() < end) {
    std::vector<pollfd> fds;
    for (Conn& c : conns) fds.push_back({c.fd, POLLIN, 0});
    poll(fds.data(), fds.size(), 50);
    for (size_t i = 0; i < conns.size(); ++i) {
      Conn& c = conns[i];
      if (c.fd < 0) {
        open(c);
        continue;
      }
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[4096];
        if (recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0) {
          ++st->closed_by_server;
          st->lifetimes_ms.push_back(Ms(Clock::now() - c.opened));
          close(c.fd);
          c.fd = -1;
        }
      }
    }
    if (o.trickle && Clock::now() >= next_byte) {
      next_byte += std::chrono::milliseconds(o.trickle_ms);
      for (Conn& c : conns) {
        if (c.fd < 0) continue;
        // "X-Slow: aaaa..." one byte at a time, a new line every 60 bytes.
        const char* line = "X-Slow: ";
        const size_t pos = c.sent % 60;
        char b = pos < 8 ? line[pos]
                         : (pos == 58   ? '\r'
                            : pos == 59 ? '\n'
                                        : 'a');
        send(c.fd, &b, 1, MSG_NOSIGNAL);
        ++c.sent;
      }
    }
  }
  for (Conn& c : conns) {
    if (c.fd >= 0) close(c.fd);
  }
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    std::string name = a.substr(0, eq), value;
    if (eq != std::string::npos) {
      value = a.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    }
    if (name == "--host")
      o->host = value;
    else if (name == "--port")
      o->port = std::atoi(value.c_str());
    else if (name == "--path")
      o->path = value;
    else if (name == "--seconds")
      o->seconds = std::atof(value.c_str());
    else if (name == "--scrapers")
      o->scrapers = std::atoi(value.c_str());
    else if (name == "--gzip-share")
      o->gzip_share = std::atof(value.c_str());
    else if (name == "--slow")
      o->slow = std::atoi(value.c_str());
    else if (name == "--slow-mode")
      o->trickle = value != "stall";
    else if (name == "--trickle-ms")
      o->trickle_ms = std::atoi(value.c_str());
    else if (name == "--slow-source")
      o->slow_source = value;
    else if (name == "--probe-ms")
      o->probe_ms = std::atoi(value.c_str());
    else if (name == "--timeout-ms")
      o->timeout_ms = std::atoi(value.c_str());
    else if (name == "--interval-ms")
      o->interval_ms = std::atoi(value.c_str());
    else if (name == "--json")
      o->json = value;
    else {
      std::fprintf(stderr, "http_load: unknown flag %s\n", name.c_str());
      return false;
    }
  }
  if (o->port <= 0) {
    std::fprintf(stderr, "http_load: --port is required\n");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) return 2;
  const auto end = Clock::now() + std::chrono::milliseconds(
                                      static_cast<long>(o.seconds * 1000));
  Stats scrapes, gzip_scrapes, probe;
  SlowStats slow;
  std::vector<std::thread> threads;
  // Slow clients first, so they hold their connections when scraping starts.
  if (o.slow > 0) threads.emplace_back(SlowClients, o, end, &slow);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int gzip_count =
      static_cast<int>(o.gzip_share * static_cast<double>(o.scrapers) + 0.5);
  for (int i = 0; i < o.scrapers; ++i) {
    threads.emplace_back(Scraper, o, i < gzip_count, i, end,
                         i < gzip_count ? &gzip_scrapes : &scrapes);
  }
  if (o.probe_ms > 0) threads.emplace_back(Probe, o, end, &probe);
  for (std::thread& t : threads) t.join();
  // The gzip figures apart (Prometheus asks for gzip), then all together.
  const std::vector<double> g = gzip_scrapes.latencies_ms;
  scrapes.latencies_ms.insert(scrapes.latencies_ms.end(), g.begin(), g.end());
  scrapes.failed += gzip_scrapes.failed;
  scrapes.retried += gzip_scrapes.retried;
  if (scrapes.first_error.empty())
    scrapes.first_error = gzip_scrapes.first_error;

  const auto& l = scrapes.latencies_ms;
  const auto& p = probe.latencies_ms;
  std::printf(
      "scrapers=%d (gzip %d, interval %d ms) slow=%d (%s) seconds=%.0f\n"
      "scrapes: served=%zu failed=%ld retried=%ld p50=%.1fms p99=%.1fms "
      "max=%.1fms\n"
      "gzip:    served=%zu failed=%ld p50=%.1fms p99=%.1fms max=%.1fms\n"
      "probe:   served=%zu failed=%ld p50=%.1fms p99=%.1fms max=%.1fms\n"
      "slow:    opened=%ld refused=%ld closed_by_server=%ld "
      "median_lifetime=%.0fms\n",
      o.scrapers, gzip_count, o.interval_ms, o.slow,
      o.trickle ? "trickle" : "stall", o.seconds, l.size(), scrapes.failed,
      scrapes.retried, Percentile(l, 0.5), Percentile(l, 0.99),
      Percentile(l, 1.0), g.size(), gzip_scrapes.failed, Percentile(g, 0.5),
      Percentile(g, 0.99), Percentile(g, 1.0), p.size(), probe.failed,
      Percentile(p, 0.5), Percentile(p, 0.99), Percentile(p, 1.0), slow.opened,
      slow.refused, slow.closed_by_server, Percentile(slow.lifetimes_ms, 0.5));
  if (!scrapes.first_error.empty()) {
    std::printf("first scrape failure: %s\n", scrapes.first_error.c_str());
  }
  if (!probe.first_error.empty()) {
    std::printf("first probe failure: %s\n", probe.first_error.c_str());
  }
  if (!o.json.empty()) {
    std::ofstream f(o.json);
    f << "{\"served\":" << l.size() << ",\"failed\":" << scrapes.failed
      << ",\"retried\":" << scrapes.retried
      << ",\"p50_ms\":" << Percentile(l, 0.5)
      << ",\"p99_ms\":" << Percentile(l, 0.99)
      << ",\"max_ms\":" << Percentile(l, 1.0)
      << ",\"gzip_p50_ms\":" << Percentile(g, 0.5)
      << ",\"gzip_p99_ms\":" << Percentile(g, 0.99)
      << ",\"gzip_max_ms\":" << Percentile(g, 1.0)
      << ",\"probe_served\":" << p.size()
      << ",\"probe_failed\":" << probe.failed
      << ",\"probe_p99_ms\":" << Percentile(p, 0.99)
      << ",\"probe_max_ms\":" << Percentile(p, 1.0)
      << ",\"slow_opened\":" << slow.opened
      << ",\"slow_closed_by_server\":" << slow.closed_by_server << "}\n";
  }
  return 0;
}
