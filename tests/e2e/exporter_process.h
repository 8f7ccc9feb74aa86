// A real vb365_exporter process for the end-to-end tests (exporter_e2e_test,
// golden_test), and the small file and polling helpers they share. Every wait
// polls with a deadline; nothing asserts timing.
#pragma once

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "harness.h"

#ifndef VB365_EXPORTER_PATH
#error "VB365_EXPORTER_PATH must be defined by the build"
#endif

namespace vb365::e2e {

constexpr double kDeadlineSeconds = 60;

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

// Polls `pred` every 100 ms until it holds or the deadline passes.
inline bool WaitFor(const std::function<bool()>& pred,
                    double seconds = kDeadlineSeconds) {
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return pred();
}

// The text format as series -> value ("name{labels}" exactly as written).
using Samples = std::map<std::string, std::string>;

inline Samples ParseSamples(const std::string& text) {
  Samples out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

// A running vb365_exporter: config and logs in a temporary directory,
// 127.0.0.1:0, stopped with SIGTERM by Stop() or the destructor.
class ExporterProcess {
 public:
  ExporterProcess(const std::string& config_yaml,
                  std::vector<std::string> extra_args = {}) {
    char tmpl[] = "/tmp/vb365_e2e_XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    config_file_ = dir_ + "/vb365_exporter.yml";
    log_file_ = dir_ + "/exporter.log";
    WriteFile(config_file_, config_yaml);
    std::vector<std::string> args = {
        VB365_EXPORTER_PATH, "--config.file=" + config_file_,
        "--web.listen-address=127.0.0.1:0", "--log.level=debug"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    Spawn(args);
    // The bound port is in the "listening" log line.
    const bool up = WaitFor(
        [&] {
          if (Exited()) return true;
          const std::string log = Stderr();
          const size_t p = log.find("msg=\"listening\"");
          if (p == std::string::npos) return false;
          const size_t a = log.find("address=127.0.0.1:", p);
          const size_t eol = log.find('\n', p);
          if (a == std::string::npos || eol == std::string::npos || a > eol) {
            return false;
          }
          port_ = std::atoi(log.c_str() + a + sizeof("address=127.0.0.1:") - 1);
          return port_ > 0;
        },
        20);
    if (!up || port_ <= 0) {
      Stop();
      throw std::runtime_error("exporter did not start:\n" + Stderr());
    }
  }
  ~ExporterProcess() {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  const std::string& config_file() const { return config_file_; }
  std::string Stderr() const { return ReadFile(log_file_); }

  // GET over plain HTTP; "" when it fails.
  std::string Scrape(const std::string& path = "/metrics") const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(10, 0);
    c.set_read_timeout(10, 0);
    auto res = c.Get(path.c_str());
    if (!res || res->status != 200) return "";
    return res->body;
  }
  Samples Metrics() const { return ParseSamples(Scrape()); }

  // Any request over plain HTTP: {status, body}; status 0 when it failed.
  std::pair<int, std::string> Request(const std::string& method,
                                      const std::string& path) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(10, 0);
    c.set_read_timeout(30, 0);
    httplib::Result res =
        method == "POST" ? c.Post(path.c_str()) : c.Get(path.c_str());
    if (!res) return {0, ""};
    return {res->status, res->body};
  }
  // Sends a signal to the running process (SIGHUP: reload the config).
  void Signal(int sig) const {
    if (pid_ > 0) kill(pid_, sig);
  }

  // SIGTERM, then SIGKILL after 20 s; returns the exit status (or -1).
  int Stop() {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, SIGTERM);
    WaitFor([&] { return Exited(); }, 20);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int st = 0;
      waitpid(pid_, &st, 0);
      pid_ = -1;
      exit_code_ = -1;
    }
    return exit_code_;
  }

 private:
  void Spawn(const std::vector<std::string>& args) {
    pid_ = sim::Spawn(args, log_file_, SIGKILL);  // never outlive the test
  }
  bool Exited() {
    if (pid_ <= 0) return true;
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      pid_ = -1;
      return true;
    }
    return false;
  }

  std::string dir_, config_file_, log_file_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
  int port_ = 0;
};

}  // namespace vb365::e2e
