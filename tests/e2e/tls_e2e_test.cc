// End to end: the vb365_exporter binary's TLS helpers against the real
// simulator. `--print-certificate URL` prints what `openssl x509
// -fingerprint -sha256` says of the simulator's certificate; --config.check
// checks a certificate pin with one handshake and prints the fingerprint
// the server presents when the pin does not match.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "harness.h"

#ifndef VB365_EXPORTER_PATH
#error "VB365_EXPORTER_PATH must be defined by the build"
#endif

namespace vb365 {
namespace {

using sim::SimulatorConfig;
using sim::SimulatorProcess;

struct CommandRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs a shell command line; arguments here are test-made paths and URLs.
CommandRun Shell(const std::string& cmd) {
  CommandRun run;
  std::unique_ptr<FILE, decltype(&pclose)> p(
      popen((cmd + " 2>&1").c_str(), "r"), &pclose);
  if (p == nullptr) return run;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p.get()) != nullptr) run.output += buf;
  const int status = pclose(p.release());
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string Exporter() { return VB365_EXPORTER_PATH; }

// "sha256 Fingerprint=AA:BB:...\n" as openssl prints it.
std::string OpensslFingerprintLine(const std::string& pem) {
  return Shell("openssl x509 -noout -fingerprint -sha256 -in '" + pem + "'")
      .output;
}

std::string Pin(const std::string& pem) {
  const std::string line = OpensslFingerprintLine(pem);
  return line.substr(line.find('=') + 1, 95);
}

class TlsE2E : public ::testing::Test {
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
  void SetUp() override { sim_->ResetStats(); }

  // A config with one server pinned to `pin` (no ca_file), written to the
  // simulator's directory; returns its path.
  static std::string PinnedConfig(const std::string& pin) {
    const std::string path = sim_->dir() + "/pinned.yml";
    FILE* f = std::fopen(path.c_str(), "w");
    const std::string yaml =
        "servers:\n  - name: pinned\n    url: " + sim_->base_url() +
        "\n    api_version: v8\n    username: u\n    password_file: " +
        sim_->password_file() +
        "\n    tls:\n      server_certificate_sha256: \"" + pin + "\"\n";
    std::fputs(yaml.c_str(), f);
    std::fclose(f);
    return path;
  }
  static SimulatorProcess* sim_;
};
SimulatorProcess* TlsE2E::sim_ = nullptr;

TEST_F(TlsE2E, PrintCertificateShowsWhatOpensslSeesAndExitsZero) {
  const CommandRun run =
      Shell("'" + Exporter() + "' --print-certificate " + sim_->base_url());
  EXPECT_EQ(run.exit_code, 0) << run.output;
  const std::string fingerprint = OpensslFingerprintLine(sim_->cert_file());
  ASSERT_EQ(fingerprint.size(), std::string("sha256 Fingerprint=").size() + 96);
  EXPECT_NE(run.output.find(fingerprint), std::string::npos)
      << run.output << "openssl: " << fingerprint;
  EXPECT_NE(run.output.find("subject: CN=localhost\n"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("issuer: CN=vb365 simulator test CA\n"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("validity: "), std::string::npos) << run.output;
  // The handshake only: no HTTP request reached the simulator.
  EXPECT_EQ(sim_->Stat("requests.total"), 0);
}

TEST_F(TlsE2E, PrintCertificateFailsClearlyWithoutAServer) {
  // A port nothing listens on (the simulator's, +1 is not guaranteed free;
  // port 1 on loopback is refused).
  const CommandRun refused =
      Shell("'" + Exporter() + "' --print-certificate https://127.0.0.1:1");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("--print-certificate: curl error 7"),
            std::string::npos)
      << refused.output;
  const CommandRun bad =
      Shell("'" + Exporter() + "' --print-certificate ftp://x");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(
      bad.output.find("flag --print-certificate: must be an https:// URL"),
      std::string::npos)
      << bad.output;
}

TEST_F(TlsE2E, ConfigCheckPassesWithTheRightPin) {
  const CommandRun run =
      Shell("'" + Exporter() + "' --config.check --config.file=" +
            PinnedConfig(Pin(sim_->cert_file())));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("certificate pin matches"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("config OK"), std::string::npos) << run.output;
  EXPECT_EQ(sim_->Stat("requests.total"), 0);
}

TEST_F(TlsE2E, ConfigCheckPrintsThePresentedFingerprintOnAPinMismatch) {
  const std::string wrong = Pin(sim_->dir() + "/expired.pem");
  const CommandRun run =
      Shell("'" + Exporter() +
            "' --config.check --config.file=" + PinnedConfig(wrong));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("certificate pin mismatch: server presented "
                            "SHA256 " +
                            Pin(sim_->cert_file())),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("server=pinned"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("config OK"), std::string::npos) << run.output;
  // Neither the password nor any request was sent.
  EXPECT_EQ(sim_->Stat("requests.total"), 0);
  EXPECT_EQ(sim_->Stat("logins"), 0);
}

TEST(TlsE2EExpired, ConfigCheckAcceptsAnExpiredPinnedCertificateWithAWarning) {
  SimulatorConfig config;
  config.versions = {"v8"};
  config.expired_certificate = true;
  SimulatorProcess sim(config);
  const std::string path = sim.dir() + "/pinned.yml";
  FILE* f = std::fopen(path.c_str(), "w");
  const std::string yaml =
      "servers:\n  - name: old\n    url: " + sim.base_url() +
      "\n    username: u\n    password_file: " + sim.password_file() +
      "\n    tls:\n      server_certificate_sha256: \"" + Pin(sim.cert_file()) +
      "\"\n";
  std::fputs(yaml.c_str(), f);
  std::fclose(f);
  const CommandRun run =
      Shell("'" + Exporter() + "' --config.check --config.file=" + path);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("level=warn msg=\"certificate pin matches, but "
                            "the certificate has expired\" server=old"),
            std::string::npos)
      << run.output;
  const CommandRun print =
      Shell("'" + Exporter() + "' --print-certificate " + sim.base_url());
  EXPECT_EQ(print.exit_code, 0) << print.output;
  EXPECT_NE(print.output.find("(EXPIRED)"), std::string::npos) << print.output;
}

}  // namespace
}  // namespace vb365
