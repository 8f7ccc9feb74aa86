// CurlTransport over real HTTPS on loopback against an in-process
// cpp-httplib server (the simulator does not compress and cannot report its
// connections): gzip, Retry-After, the request as sent, connection reuse,
// the parallelism bound, padding, the body size limit and Abort().
#include "api/curl_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "harness.h"  // GenCertsScriptPath
#include "parse/padded_body.h"

namespace vb365 {
namespace {

// A throwaway CA + certificate for 127.0.0.1 and an HTTPS server on port 0,
// stopped and removed by the destructor.
class LocalHttps {
 public:
  LocalHttps() {
    char tmpl[] = "/tmp/vb365_curltest.XXXXXX";
    const char* dir = mkdtemp(tmpl);
    if (dir == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir;
    std::string cmd = "bash '" + sim::GenCertsScriptPath() + "' '" + dir_ + "'";
    if (std::system(cmd.c_str()) != 0) {
      throw std::runtime_error("gen_certs.sh failed");
    }
    server_ = std::make_unique<httplib::SSLServer>(
        (dir_ + "/server.pem").c_str(), (dir_ + "/server.key").c_str());
    if (!server_->is_valid()) throw std::runtime_error("bad TLS setup");
  }
  ~LocalHttps() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
    std::filesystem::remove_all(dir_);
  }
  httplib::SSLServer& server() { return *server_; }
  void Start() {
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("bind failed");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() is a no-op until the server runs: wait so the destructor can
    // always stop it.
    for (int i = 0; i < 2000 && !server_->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!server_->is_running()) throw std::runtime_error("server not running");
    // cpp-httplib builds a function-local static (its set of request
    // methods) while parsing its first request. Debian's libcpp-httplib is
    // not instrumented, so under ThreadSanitizer (make tsan) two first
    // requests parsed at once on two workers look like a race inside the
    // library (the static's guard is checked by uninstrumented code, and its
    // frames have no symbols to suppress). One request before the test's.
    httplib::SSLClient warm_up("127.0.0.1", port_);
    warm_up.enable_server_certificate_verification(false);
    warm_up.Get("/");
  }
  std::string url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(port_) + path;
  }
  CurlTransportOptions Options() const {
    CurlTransportOptions o;
    o.tls.ca_file = dir_ + "/ca.pem";
    o.timeout = std::chrono::seconds(20);
    return o;
  }

 private:
  std::string dir_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
};

std::string BigJson() {
  std::string s = "[";
  for (int i = 0; i < 5000; ++i) {
    s += (i ? "," : "") + std::string("{\"id\":") + std::to_string(i) +
         ",\"status\":\"Success\"}";
  }
  return s + "]";
}

TEST(CurlTransportIntegration, AsksForCompressionAndHandsOverTheDecodedBody) {
  LocalHttps https;
  const std::string payload = BigJson();
  std::string accept_encoding;
  https.server().Get(
      "/data", [&](const httplib::Request& req, httplib::Response& res) {
        accept_encoding = req.get_header_value("Accept-Encoding");
        res.set_content(payload, "application/json");
      });
  https.Start();
  CurlTransport transport(https.Options());
  HttpRequest request;
  request.url = https.url("/data");
  HttpResponse response = transport.Send(request);
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_NE(accept_encoding.find("gzip"), std::string::npos) << accept_encoding;
  EXPECT_EQ(response.body.view(), payload);
  // The padding the parser reads past the end is there, zeroed.
  EXPECT_EQ(
      std::string_view(response.body.data() + payload.size(), kParsePadding),
      std::string(kParsePadding, '\0'));
  EXPECT_GT(response.elapsed_seconds, 0);
}

TEST(CurlTransportIntegration, SendsThePostBodyAndHeadersAsGiven) {
  LocalHttps https;
  std::string body, content_type, authorization, expect, method;
  https.server().Post("/v8/Token",
                      [&](const httplib::Request& req, httplib::Response& res) {
                        body = req.body;
                        method = req.method;
                        content_type = req.get_header_value("Content-Type");
                        authorization = req.get_header_value("Authorization");
                        expect = req.get_header_value("Expect");
                        res.set_content("{}", "application/json");
                      });
  https.Start();
  CurlTransport transport(https.Options());
  HttpRequest request;
  request.method = "POST";
  request.url = https.url("/v8/Token");
  request.headers.emplace_back("Content-Type",
                               "application/x-www-form-urlencoded");
  request.body = "grant_type=password&username=A%5Cb&password=x%26y";
  HttpResponse response = transport.Send(request);
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(method, "POST");
  EXPECT_EQ(body, request.body);
  EXPECT_EQ(content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(authorization, "");
  EXPECT_EQ(expect, "");
}

TEST(CurlTransportIntegration, ReadsRetryAfterInSecondsAndAsADate) {
  LocalHttps https;
  https.server().Get("/seconds",
                     [](const httplib::Request&, httplib::Response& res) {
                       res.status = 429;
                       res.set_header("Retry-After", "17");
                     });
  https.server().Get(
      "/date", [](const httplib::Request&, httplib::Response& res) {
        res.status = 503;
        res.set_header("Retry-After", "Fri, 01 Jan 2100 00:00:00 GMT");
      });
  https.server().Get("/none", [](const httplib::Request&,
                                 httplib::Response& res) { res.status = 429; });
  https.Start();
  CurlTransport transport(https.Options());
  HttpRequest request;
  request.url = https.url("/seconds");
  HttpResponse seconds = transport.Send(request);
  EXPECT_EQ(seconds.status, 429);
  EXPECT_EQ(seconds.retry_after_seconds, 17);
  request.url = https.url("/date");
  HttpResponse date = transport.Send(request);
  EXPECT_EQ(date.status, 503);
  EXPECT_EQ(date.retry_after_seconds, 86400);  // far future: capped at a day
  request.url = https.url("/none");
  HttpResponse none = transport.Send(request);
  EXPECT_EQ(none.status, 429);
  EXPECT_EQ(none.retry_after_seconds, -1);
}

TEST(CurlTransportIntegration, ReusesTheConnectionForSequentialRequests) {
  LocalHttps https;
  std::mutex mu;
  std::vector<int> ports;
  https.server().Get("/x",
                     [&](const httplib::Request& req, httplib::Response& res) {
                       std::lock_guard<std::mutex> lock(mu);
                       ports.push_back(req.remote_port);
                       res.set_content("[]", "application/json");
                     });
  https.Start();
  CurlTransport transport(https.Options());
  HttpRequest request;
  request.url = https.url("/x");
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(transport.Send(request).status, 200);
  }
  ASSERT_EQ(ports.size(), 4u);
  // One TCP connection (cpp-httplib keeps up to 5 requests per connection).
  EXPECT_EQ(std::set<int>(ports.begin(), ports.end()).size(), 1u);
}

TEST(CurlTransportIntegration, NeverRunsMoreThanMaxConnectionsAtOnce) {
  LocalHttps https;
  std::atomic<int> in_flight{0}, peak{0};
  https.server().Get(
      "/slow", [&](const httplib::Request&, httplib::Response& res) {
        int now = ++in_flight;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        --in_flight;
        res.set_content("[]", "application/json");
      });
  https.Start();
  CurlTransportOptions options = https.Options();
  options.max_connections = 2;
  CurlTransport transport(options);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      HttpRequest request;
      request.url = https.url("/slow");
      for (int i = 0; i < 3; ++i) ok += transport.Send(request).status == 200;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 18);
  EXPECT_LE(peak.load(), 2);
  EXPECT_GE(peak.load(), 1);
}

TEST(CurlTransportIntegration, ABodyOverTheLimitFailsTheRequest) {
  LocalHttps https;
  const std::string payload = BigJson();
  https.server().Get("/big",
                     [&](const httplib::Request&, httplib::Response& res) {
                       res.set_content(payload, "application/json");
                     });
  https.Start();
  CurlTransportOptions options = https.Options();
  options.max_body_bytes = 1000;
  CurlTransport transport(options);
  HttpRequest request;
  request.url = https.url("/big");
  HttpResponse response = transport.Send(request);
  EXPECT_EQ(response.status, 0);
  EXPECT_NE(response.error.find("larger than 1000 bytes"), std::string::npos)
      << response.error;
  EXPECT_TRUE(response.too_large);
  EXPECT_TRUE(response.body.empty());
}

TEST(CurlTransportIntegration, AnAnnouncedBodyOverTheLimitFailsBeforeItIsRead) {
  // The server announces 64 MiB and holds its body back until released: the
  // request must fail on the Content-Length alone, with no body byte sent.
  LocalHttps https;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<size_t> written{0};
  https.server().Get("/huge",
                     [&](const httplib::Request&, httplib::Response& res) {
                       res.set_content_provider(
                           size_t{64} << 20, "application/json",
                           [&](size_t, size_t length, httplib::DataSink& sink) {
                             {
                               std::unique_lock<std::mutex> lock(mu);
                               cv.wait_for(lock, std::chrono::seconds(10),
                                           [&] { return release; });
                             }
                             static const std::string chunk(64 * 1024, ' ');
                             const size_t n = std::min(length, chunk.size());
                             if (!sink.write(chunk.data(), n)) return false;
                             written += n;
                             return true;
                           });
                     });
  https.Start();
  CurlTransportOptions options = https.Options();
  options.max_body_bytes = size_t{1} << 20;
  CurlTransport transport(options);
  HttpRequest request;
  request.url = https.url("/huge");
  HttpResponse response = transport.Send(request);
  const size_t written_when_done = written.load();
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_EQ(response.status, 0);
  EXPECT_NE(response.error.find("larger than 1048576 bytes"), std::string::npos)
      << response.error;
  EXPECT_EQ(written_when_done, 0u);
  EXPECT_TRUE(response.body.empty());
}

TEST(CurlTransportIntegration, TransportErrorsNeverQuoteTheRequest) {
  LocalHttps https;
  https.server().Get("/x", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("[]", "application/json");
  });
  https.Start();
  CurlTransportOptions options = https.Options();
  options.tls.ca_file = "/nonexistent/ca.pem";
  CurlTransport transport(options);
  HttpRequest request;
  request.method = "POST";
  request.url = https.url("/x");
  request.headers.emplace_back("Authorization", "Bearer TOKEN-VALUE-123");
  request.body = "password=PASSWORD-VALUE-456";
  HttpResponse response = transport.Send(request);
  EXPECT_EQ(response.status, 0);
  EXPECT_FALSE(response.error.empty());
  EXPECT_EQ(response.error.find("TOKEN-VALUE"), std::string::npos);
  EXPECT_EQ(response.error.find("PASSWORD-VALUE"), std::string::npos);
}

TEST(CurlTransportIntegration, AbortEndsATransferInFlightAndFailsLaterOnes) {
  // A body that trickles for 20 s (one byte every 200 ms) and a second
  // request waiting for the only connection slot.
  LocalHttps https;
  std::atomic<bool> server_stop{false};
  https.server().Get(
      "/slow", [&](const httplib::Request&, httplib::Response& res) {
        res.set_chunked_content_provider(
            "application/json", [&](size_t offset, httplib::DataSink& sink) {
              if (offset >= 100 || server_stop) {
                sink.done();
                return true;
              }
              std::this_thread::sleep_for(std::chrono::milliseconds(200));
              sink.write(" ", 1);
              return true;
            });
      });
  https.Start();
  CurlTransportOptions options = https.Options();
  options.max_connections = 1;
  CurlTransport transport(options);
  HttpRequest request;
  request.url = https.url("/slow");
  HttpResponse first, waiting;
  std::thread a([&] { first = transport.Send(request); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::thread b([&] { waiting = transport.Send(request); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto t0 = std::chrono::steady_clock::now();
  transport.Abort();
  a.join();
  b.join();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  server_stop = true;
  EXPECT_LT(took, 1.5);
  EXPECT_EQ(first.status, 0);
  EXPECT_NE(first.error.find("aborted"), std::string::npos) << first.error;
  EXPECT_EQ(waiting.status, 0);
  EXPECT_NE(waiting.error.find("aborted"), std::string::npos) << waiting.error;
  HttpResponse later = transport.Send(request);
  EXPECT_EQ(later.status, 0);
  EXPECT_NE(later.error.find("aborted"), std::string::npos) << later.error;
}

}  // namespace
}  // namespace vb365
