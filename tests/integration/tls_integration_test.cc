// TLS the way VB365 is deployed, over real HTTPS against the simulator
// process: the leaf certificate pin (with and without a CA, an expired
// pinned certificate), server_name for a server reached by IP, min_version,
// and ProbeCertificate (--print-certificate). Fingerprints are taken with the
// openssl command line, independently of the code under test; what reached
// the server is read from the simulator's own counters. An in-process
// cpp-httplib server that speaks at most TLS 1.2 and records the SNI name
// covers min_version and what server_name sends.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api/client.h"
#include "api/curl_transport.h"
#include "api/tls_probe.h"
#include "harness.h"

namespace vb365 {
namespace {

using sim::SimulatorConfig;
using sim::SimulatorProcess;

// `openssl x509 -noout -fingerprint -sha256` of a PEM file: "AA:BB:...".
std::string OpensslFingerprint(const std::string& pem) {
  const std::string cmd =
      "openssl x509 -noout -fingerprint -sha256 -in '" + pem + "'";
  std::unique_ptr<FILE, decltype(&pclose)> p(popen(cmd.c_str(), "r"), &pclose);
  if (p == nullptr) return "";
  char buf[256] = {};
  std::string out;
  while (std::fgets(buf, sizeof buf, p.get()) != nullptr) out += buf;
  const size_t eq = out.find('=');
  if (eq == std::string::npos) return "";
  out = out.substr(eq + 1);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
    out.pop_back();
  }
  return out;
}

// API version fixed, so the first request a Client sends is POST /Token.
ServerConfig ConfigFor(const SimulatorProcess& sim) {
  ServerConfig c;
  c.name = "sim";
  c.url = sim.base_url();
  c.api_version = ApiVersion::kV8;
  c.username = sim.username();
  c.password = Secret(sim.password());
  c.timeout = std::chrono::seconds(20);
  c.max_concurrent_requests = 2;
  return c;
}

Result<std::vector<Job>> ListJobs(const ServerConfig& config) {
  CurlTransport transport(CurlTransportOptions::FromServer(config));
  Client client(config, &transport, nullptr);
  return client.ListJobs();
}

// Tokens the simulator issued since it started (GET /_sim/tokens).
size_t IssuedTokens(const SimulatorProcess& sim) {
  const std::string body = sim.Control("GET", "/_sim/tokens").body;
  size_t quotes = 0;
  for (char c : body) quotes += c == '"';
  return quotes < 2 ? 0 : (quotes - 2) / 2;  // {"issued":["t1","t2"]}
}

// Nothing of any request reached the API since the last ResetStats: no
// /Token, no other endpoint, and no token issued since `tokens_before`.
void ExpectNothingReachedTheApi(const SimulatorProcess& sim,
                                size_t tokens_before) {
  EXPECT_EQ(sim.Stat("requests.total"), 0);
  EXPECT_EQ(sim.Stat("requests.token"), 0);
  EXPECT_EQ(sim.Stat("logins"), 0);
  EXPECT_EQ(IssuedTokens(sim), tokens_before);
}

class TlsPin : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SimulatorConfig config;
    config.versions = {"v8"};
    sim_ = new SimulatorProcess(config);
  }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }
  void SetUp() override {
    sim_->ResetStats();
    tokens_ = IssuedTokens(*sim_);
  }
  size_t tokens_ = 0;
  static SimulatorProcess* sim_;
};
SimulatorProcess* TlsPin::sim_ = nullptr;

TEST_F(TlsPin, TheRightPinWithoutACaAcceptsTheCertificate) {
  ServerConfig config = ConfigFor(*sim_);
  config.tls.server_certificate_sha256 = OpensslFingerprint(sim_->cert_file());
  ASSERT_EQ(config.tls.server_certificate_sha256.size(), 95u);
  // No ca_file: the system trust store does not know the test CA, so only
  // the pin can make this work.
  Result<std::vector<Job>> jobs = ListJobs(config);
  ASSERT_TRUE(jobs.ok()) << jobs.error();
  EXPECT_EQ(jobs->size(), 5u);
  EXPECT_EQ(sim_->Stat("logins"), 1);
}

TEST_F(TlsPin, WithoutPinOrCaTheCertificateIsRefused) {
  // The control for the test above: the simulator's certificate is not
  // trusted by the system store.
  Result<std::vector<Job>> jobs = ListJobs(ConfigFor(*sim_));
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().code(), ErrorCode::kTransport) << jobs.error();
  ExpectNothingReachedTheApi(*sim_, tokens_);
}

TEST_F(TlsPin, AWrongPinFailsTheHandshakeBeforeTheTokenRequest) {
  ServerConfig config = ConfigFor(*sim_);
  // The expired certificate: same CA, names and key, another certificate.
  config.tls.server_certificate_sha256 =
      OpensslFingerprint(sim_->dir() + "/expired.pem");
  Result<std::vector<Job>> jobs = ListJobs(config);
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().code(), ErrorCode::kCertificatePinMismatch)
      << jobs.error();
  EXPECT_NE(jobs.error().message().find(
                "certificate pin mismatch: server presented SHA256 " +
                OpensslFingerprint(sim_->cert_file())),
            std::string::npos)
      << jobs.error();
  // The password grant was never sent: nothing reached /Token.
  ExpectNothingReachedTheApi(*sim_, tokens_);
}

TEST_F(TlsPin, WithACaBothTheChainAndThePinMustHold) {
  ServerConfig config = ConfigFor(*sim_);
  config.tls.ca_file = sim_->ca_file();
  config.tls.server_certificate_sha256 = OpensslFingerprint(sim_->cert_file());
  Result<std::vector<Job>> jobs = ListJobs(config);
  ASSERT_TRUE(jobs.ok()) << jobs.error();

  // A certificate the CA signed, but not the pinned one.
  sim_->ResetStats();
  tokens_ = IssuedTokens(*sim_);
  config.tls.server_certificate_sha256 =
      OpensslFingerprint(sim_->dir() + "/expired.pem");
  jobs = ListJobs(config);
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().code(), ErrorCode::kCertificatePinMismatch);
  ExpectNothingReachedTheApi(*sim_, tokens_);

  // The pinned certificate, but a CA that did not sign it.
  config.tls.server_certificate_sha256 = OpensslFingerprint(sim_->cert_file());
  SimulatorConfig other_config;
  other_config.versions = {"v8"};
  SimulatorProcess other(other_config);  // its own throwaway CA
  config.tls.ca_file = other.ca_file();
  jobs = ListJobs(config);
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().code(), ErrorCode::kTransport) << jobs.error();
  EXPECT_NE(jobs.error().message().find("curl error 60"), std::string::npos)
      << jobs.error();
  ExpectNothingReachedTheApi(*sim_, tokens_);
}

TEST_F(TlsPin, ServerNameIsTheNameVerifiedForAServerReachedByIp) {
  ServerConfig config = ConfigFor(*sim_);
  config.tls.ca_file = sim_->ca_file();
  // The URL stays https://127.0.0.1:PORT; the certificate names localhost.
  config.tls.server_name = "localhost";
  Result<std::vector<Job>> jobs = ListJobs(config);
  ASSERT_TRUE(jobs.ok()) << jobs.error();

  // A name the certificate does not carry is refused, although the IP the
  // URL names is in it: the name checked is server_name. (The .test name is
  // never resolved: libcurl connects to the URL's 127.0.0.1.)
  sim_->ResetStats();
  tokens_ = IssuedTokens(*sim_);
  config.tls.server_name = "vb365.example.test";
  jobs = ListJobs(config);
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().code(), ErrorCode::kTransport);
  EXPECT_NE(jobs.error().message().find("vb365.example.test"),
            std::string::npos)
      << jobs.error();
  ExpectNothingReachedTheApi(*sim_, tokens_);
}

TEST_F(TlsPin, MinVersion13ConnectsToATls13Server) {
  ServerConfig config = ConfigFor(*sim_);
  config.tls.ca_file = sim_->ca_file();
  config.tls.min_version = TlsVersion::kTls13;
  Result<std::vector<Job>> jobs = ListJobs(config);
  ASSERT_TRUE(jobs.ok()) << jobs.error();
}

TEST_F(TlsPin, ProbeReportsTheCertificateOpensslSees) {
  Result<PeerCertificate> cert = ProbeCertificate(
      sim_->base_url(), TlsConfig{}, false, std::chrono::seconds(10));
  ASSERT_TRUE(cert.ok()) << cert.error();
  EXPECT_EQ(cert->sha256, OpensslFingerprint(sim_->cert_file()));
  EXPECT_EQ(cert->subject, "CN=localhost");
  EXPECT_EQ(cert->issuer, "CN=vb365 simulator test CA");
  EXPECT_FALSE(cert->expired);
  EXPECT_EQ(cert->not_before.size(), 20u) << cert->not_before;
  const std::string text = DescribeCertificate(*cert);
  EXPECT_NE(text.find("sha256 Fingerprint=" + cert->sha256 + "\n"),
            std::string::npos)
      << text;
  // A handshake only: no HTTP request reached the simulator.
  ExpectNothingReachedTheApi(*sim_, tokens_);
}

TEST_F(TlsPin, AVerifyingProbeWithAWrongPinNamesThePresentedFingerprint) {
  TlsConfig tls;
  tls.server_certificate_sha256 =
      OpensslFingerprint(sim_->dir() + "/expired.pem");
  Result<PeerCertificate> cert =
      ProbeCertificate(sim_->base_url(), tls, true, std::chrono::seconds(10));
  ASSERT_FALSE(cert.ok());
  EXPECT_EQ(cert.error().code(), ErrorCode::kCertificatePinMismatch);
  EXPECT_EQ(cert.error().message(),
            "certificate pin mismatch: server presented SHA256 " +
                OpensslFingerprint(sim_->cert_file()) +
                " (tls.server_certificate_sha256 is " +
                tls.server_certificate_sha256 + ")");
  tls.server_certificate_sha256 = OpensslFingerprint(sim_->cert_file());
  EXPECT_TRUE(
      ProbeCertificate(sim_->base_url(), tls, true, std::chrono::seconds(10))
          .ok());
  ExpectNothingReachedTheApi(*sim_, tokens_);
}

// An HTTPS server on 127.0.0.1 with the simulator's certificate that speaks
// at most TLS 1.2 and records the SNI name of each handshake and the Host
// header of each request.
class Tls12Server {
 public:
  explicit Tls12Server(const SimulatorProcess& sim)
      : server_([&sim](SSL_CTX& ctx) {
          SSL_CTX_set_max_proto_version(&ctx, TLS1_2_VERSION);
          SSL_CTX_set_tlsext_servername_callback(&ctx, &Tls12Server::OnSni);
          SSL_CTX_set_tlsext_servername_arg(&ctx, nullptr);
          return SSL_CTX_use_certificate_chain_file(
                     &ctx, sim.cert_file().c_str()) == 1 &&
                 SSL_CTX_use_PrivateKey_file(&ctx, sim.key_file().c_str(),
                                             SSL_FILETYPE_PEM) == 1;
        }) {
    server_.Get("/ping",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard<std::mutex> lock(mu_);
                  host_ = req.get_header_value("Host");
                  res.set_content("{}", "application/json");
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~Tls12Server() {
    server_.stop();
    thread_.join();
  }
  std::string origin() const {
    return "https://127.0.0.1:" + std::to_string(port_);
  }
  std::string host() {
    std::lock_guard<std::mutex> lock(mu_);
    return host_;
  }
  static std::string sni() {
    std::lock_guard<std::mutex> lock(sni_mu_);
    return sni_;
  }

 private:
  static int OnSni(SSL* ssl, int*, void*) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    std::lock_guard<std::mutex> lock(sni_mu_);
    sni_ = name != nullptr ? name : "";
    return SSL_TLSEXT_ERR_OK;
  }
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string host_;
  static std::mutex sni_mu_;
  static std::string sni_;
};
std::mutex Tls12Server::sni_mu_;
std::string Tls12Server::sni_;

HttpResponse Ping(const std::string& origin, const TlsConfig& tls) {
  CurlTransportOptions options;
  options.origin = origin;
  options.tls = tls;
  options.timeout = std::chrono::seconds(10);
  CurlTransport transport(options);
  HttpRequest request;
  request.url = origin + "/ping";
  return transport.Send(request);
}

TEST_F(TlsPin, MinVersion13RefusesAServerThatSpeaksAtMostTls12) {
  Tls12Server server(*sim_);
  TlsConfig tls;
  tls.ca_file = sim_->ca_file();
  HttpResponse ok = Ping(server.origin(), tls);
  EXPECT_EQ(ok.status, 200) << ok.error;
  tls.min_version = TlsVersion::kTls13;
  HttpResponse refused = Ping(server.origin(), tls);
  EXPECT_EQ(refused.status, 0);
  EXPECT_NE(refused.error.find("curl error 35"), std::string::npos)
      << refused.error;
}

TEST_F(TlsPin, ServerNameIsSentAsSniAndHostWhileTheUrlKeepsTheIp) {
  Tls12Server server(*sim_);
  TlsConfig tls;
  tls.ca_file = sim_->ca_file();
  HttpResponse plain = Ping(server.origin(), tls);
  ASSERT_EQ(plain.status, 200) << plain.error;
  EXPECT_EQ(Tls12Server::sni(), "");  // libcurl sends no SNI for an IP
  tls.server_name = "localhost";
  HttpResponse named = Ping(server.origin(), tls);
  ASSERT_EQ(named.status, 200) << named.error;
  EXPECT_EQ(Tls12Server::sni(), "localhost");
  EXPECT_EQ(server.host(), "localhost:" + server.origin().substr(
                                              server.origin().rfind(':') + 1));
}

// Documented choice (docs/configuration.md): a pin without a CA accepts the
// pinned certificate also after it expired (the pin replaces the chain
// check, validity included); with a CA the chain check refuses it.
TEST(TlsPinExpired, APinnedExpiredCertificateIsAcceptedOnlyWithoutACa) {
  SimulatorConfig sim_config;
  sim_config.versions = {"v8"};
  sim_config.expired_certificate = true;
  SimulatorProcess sim(sim_config);
  const std::string pin = OpensslFingerprint(sim.cert_file());
  ASSERT_EQ(pin, OpensslFingerprint(sim.dir() + "/expired.pem"));

  ServerConfig config = ConfigFor(sim);
  config.tls.server_certificate_sha256 = pin;
  Result<std::vector<Job>> jobs = ListJobs(config);
  ASSERT_TRUE(jobs.ok()) << jobs.error();

  Result<PeerCertificate> cert = ProbeCertificate(
      sim.base_url(), TlsConfig{}, false, std::chrono::seconds(10));
  ASSERT_TRUE(cert.ok()) << cert.error();
  EXPECT_TRUE(cert->expired);
  EXPECT_NE(DescribeCertificate(*cert).find("(EXPIRED)"), std::string::npos);

  sim.ResetStats();
  const size_t tokens = IssuedTokens(sim);
  config.tls.ca_file = sim.ca_file();
  jobs = ListJobs(config);
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().code(), ErrorCode::kTransport);
  EXPECT_NE(jobs.error().message().find("certificate has expired"),
            std::string::npos)
      << jobs.error();
  ExpectNothingReachedTheApi(sim, tokens);
}

}  // namespace
}  // namespace vb365
