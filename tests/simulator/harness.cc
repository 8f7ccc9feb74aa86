#include "harness.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#ifndef VB365_SIMULATOR_PATH
#error "VB365_SIMULATOR_PATH must be defined by the build"
#endif
#ifndef VB365_GEN_CERTS_PATH
#error "VB365_GEN_CERTS_PATH must be defined by the build"
#endif

namespace vb365::sim {
namespace {

using json = nlohmann::json;

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

pid_t Spawn(const std::vector<std::string>& args, const std::string& log,
            int death_signal) {
  std::vector<char*> argv;
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, death_signal);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!log.empty()) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
      }
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

namespace {

int WaitExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string EncodeForm(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out.append(buf);
    }
  }
  return out;
}

HttpResult FromResult(const httplib::Result& r) {
  HttpResult out;
  if (!r) {
    out.error = httplib::to_string(r.error());
    return out;
  }
  out.status = r->status;
  out.body = r->body;
  for (const auto& [k, v] : r->headers) out.headers.emplace(k, v);
  return out;
}

}  // namespace

std::string SimulatorBinaryPath() { return VB365_SIMULATOR_PATH; }
std::string GenCertsScriptPath() { return VB365_GEN_CERTS_PATH; }

std::string HttpResult::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  }
  return "";
}

SimulatorProcess::SimulatorProcess(SimulatorConfig config)
    : config_(std::move(config)) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp && *tmp ? tmp : "/tmp") + "/vb365-sim.XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data()))
    throw std::runtime_error("mkdtemp failed for " + pattern);
  dir_ = buf.data();
  try {
    if (!config_.plain_http) {
      pid_t p = Spawn({"/bin/bash", GenCertsScriptPath(), dir_},
                      dir_ + "/gen_certs.log");
      if (WaitExit(p) != 0) {
        throw std::runtime_error("gen_certs.sh failed: " +
                                 ReadAll(dir_ + "/gen_certs.log"));
      }
      ca_file_ = dir_ + "/ca.pem";
      cert_file_ =
          dir_ + (config_.expired_certificate ? "/expired.pem" : "/server.pem");
      key_file_ = dir_ + "/server.key";
    }
    password_file_ = dir_ + "/password";
    {
      int fd = open(password_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd < 0) throw std::runtime_error("cannot write " + password_file_);
      std::string line = config_.password + "\n";
      if (write(fd, line.data(), line.size()) !=
          static_cast<ssize_t>(line.size())) {
        close(fd);
        throw std::runtime_error("cannot write " + password_file_);
      }
      close(fd);
    }
    const std::string ready = dir_ + "/ready";
    stderr_file_ = dir_ + "/simulator.log";
    std::string versions;
    for (const std::string& v : config_.versions)
      versions += (versions.empty() ? "" : ",") + v;
    std::vector<std::string> args = {
        SimulatorBinaryPath(),
        "--listen",
        "127.0.0.1:0",
        "--ready-file",
        ready,
        "--versions",
        versions,
        "--jobs",
        std::to_string(config_.jobs),
        "--sessions-per-job",
        std::to_string(config_.sessions_per_job),
        "--seed",
        std::to_string(config_.seed),
        "--username",
        config_.username,
        "--password-file",
        password_file_,
        "--token-lifetime",
        std::to_string(config_.token_lifetime_seconds),
        "--token-rate-limit",
        std::to_string(config_.token_rate_limit),
        "--latency-ms",
        std::to_string(config_.latency_ms)};
    if (config_.plain_http) {
      args.push_back("--plain-http");
    } else {
      args.insert(args.end(),
                  {"--tls-cert", cert_file_, "--tls-key", key_file_});
    }
    if (!config_.anchor_time.empty())
      args.insert(args.end(), {"--anchor-time", config_.anchor_time});
    if (config_.session_interval_seconds > 0) {
      args.insert(args.end(),
                  {"--session-interval",
                   std::to_string(config_.session_interval_seconds)});
    }
    if (config_.exit_after_seconds > 0) {
      args.insert(args.end(),
                  {"--exit-after", std::to_string(config_.exit_after_seconds)});
    }
    for (const auto& [id, file] : config_.fixture_sessions) {
      args.insert(args.end(), {"--fixture-sessions", id + "=" + file});
    }
    for (const std::string& f : config_.faults)
      args.insert(args.end(), {"--fault", f});
    const ResourceCounts& rc = config_.resources;
    args.insert(args.end(),
                {"--repositories", std::to_string(rc.repositories), "--proxies",
                 std::to_string(rc.proxies), "--organizations",
                 std::to_string(rc.organizations), "--licensed-users",
                 std::to_string(rc.licensed_users), "--copy-jobs",
                 std::to_string(rc.copy_jobs), "--restore-sessions",
                 std::to_string(rc.restore_sessions)});
    if (rc.healthy) args.push_back("--healthy");
    if (!config_.running_sessions_in_bounded_reads)
      args.push_back("--running-sessions-in-bounded-reads=false");
    args.insert(args.end(), config_.extra_args.begin(),
                config_.extra_args.end());
    pid_ = Spawn(args, stderr_file_);

    const auto deadline =
        std::chrono::steady_clock::now() +
        std::chrono::duration<double>(config_.start_timeout_seconds);
    while (true) {
      std::string text = ReadAll(ready);
      if (!text.empty() && text.back() == '\n') {
        port_ = std::atoi(text.c_str());
        if (port_ > 0) break;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("vb365_simulator exited at start: " +
                                 Stderr());
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("vb365_simulator did not become ready: " +
                                 Stderr());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  } catch (...) {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

SimulatorProcess::~SimulatorProcess() {
  Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void SimulatorProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int code = 0;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (r < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      WaitExit(pid_);
      code = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  // A clean stop exits 0; anything else (a crash, a sanitizer report, a
  // hang) is shown, since the log goes away with the directory.
  if (code != 0) {
    std::fprintf(stderr,
                 "vb365_simulator did not stop cleanly (%s); its log:\n%s\n",
                 code < 0 ? "killed after 5 s"
                          : ("exit " + std::to_string(code)).c_str(),
                 Stderr().c_str());
  }
}

std::string SimulatorProcess::Stderr() const { return ReadAll(stderr_file_); }

std::string SimulatorProcess::base_url() const {
  return std::string(config_.plain_http ? "http" : "https") +
         "://127.0.0.1:" + std::to_string(port_);
}

namespace {

std::unique_ptr<httplib::Client> MakeClient(const SimulatorProcess& sim) {
  auto c = std::make_unique<httplib::Client>(sim.base_url());
  if (!sim.config().plain_http) {
    c->set_ca_cert_path(sim.ca_file());
    // An expired certificate fails every verification; the harness still
    // needs to reach the control endpoint.
    c->enable_server_certificate_verification(
        !sim.config().expired_certificate);
  }
  c->set_connection_timeout(5, 0);
  c->set_read_timeout(60, 0);
  c->set_write_timeout(10, 0);
  c->set_keep_alive(false);
  return c;
}

}  // namespace

HttpResult SimulatorProcess::Get(const std::string& path,
                                 const std::string& token) const {
  auto c = MakeClient(*this);
  httplib::Headers h;
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  return FromResult(c->Get(path.c_str(), h));
}

HttpResult SimulatorProcess::Post(const std::string& path,
                                  const std::string& body,
                                  const std::string& content_type,
                                  const std::string& token) const {
  auto c = MakeClient(*this);
  httplib::Headers h;
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  return FromResult(c->Post(path.c_str(), h, body, content_type.c_str()));
}

std::string SimulatorProcess::Login(int version) const {
  std::string form =
      "grant_type=password&username=" + EncodeForm(config_.username) +
      "&password=" + EncodeForm(config_.password);
  if (version >= 7) form += "&disable_antiforgery_token=true";
  HttpResult r = Post("/v" + std::to_string(version) + "/Token", form,
                      "application/x-www-form-urlencoded");
  if (r.status != 200) {
    throw std::runtime_error("login failed: HTTP " + std::to_string(r.status) +
                             " " + r.error);
  }
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("access_token"))
    throw std::runtime_error("login: bad body");
  return j["access_token"].get<std::string>();
}

HttpResult SimulatorProcess::Control(const std::string& method,
                                     const std::string& path,
                                     const std::string& body) const {
  auto c = MakeClient(*this);
  if (method == "GET") return FromResult(c->Get(path.c_str()));
  return FromResult(c->Post(path.c_str(), body, "application/json"));
}

namespace {

std::string Must(const HttpResult& r, const std::string& what) {
  if (r.status < 200 || r.status > 299) {
    throw std::runtime_error("simulator control " + what + " failed: HTTP " +
                             std::to_string(r.status) + " " + r.error + " " +
                             r.body);
  }
  return r.body;
}

}  // namespace

std::string SimulatorProcess::StatsJson() const {
  return Must(Control("GET", "/_sim/stats"), "stats");
}

int64_t SimulatorProcess::Stat(const std::string& dotted_path) const {
  json j = json::parse(StatsJson());
  const json* cur = &j;
  std::stringstream ss(dotted_path);
  std::string part;
  // Job ids contain no dots; split on the first dots only as far as keys go.
  while (std::getline(ss, part, '.')) {
    if (!cur->is_object() || !cur->contains(part)) return 0;
    cur = &(*cur)[part];
  }
  return cur->is_number_integer() ? cur->get<int64_t>() : 0;
}

void SimulatorProcess::ResetStats() const {
  Must(Control("POST", "/_sim/stats/reset"), "stats/reset");
}

std::vector<SimJob> SimulatorProcess::Jobs() const {
  json j = json::parse(Must(Control("GET", "/_sim/jobs"), "jobs"));
  std::vector<SimJob> out;
  for (const json& e : j) {
    SimJob s;
    s.index = e.value("index", -1);
    s.id = e.value("id", "");
    s.name = e.value("name", "");
    s.enabled = e.value("enabled", true);
    s.sessions = e.value("sessions", int64_t{0});
    s.running = e.value("running", int64_t{0});
    s.last_finished_status = e.value("last_finished_status", "");
    s.transferred_data_bytes = e.value("transferred_data_bytes", int64_t{0});
    out.push_back(s);
  }
  return out;
}

std::string SimulatorProcess::JobId(int index) const {
  for (const SimJob& j : Jobs()) {
    if (j.index == index) return j.id;
  }
  throw std::runtime_error("no generated job with index " +
                           std::to_string(index));
}

int64_t SimulatorProcess::AddFault(const Fault& f) const {
  json j{{"kind", f.kind}};
  if (!f.endpoint.empty()) j["endpoint"] = f.endpoint;
  if (!f.job_id.empty()) j["job_id"] = f.job_id;
  if (f.count >= 0) j["count"] = f.count;
  if (f.ms > 0) j["ms"] = f.ms;
  if (f.bytes > 0) j["bytes"] = f.bytes;
  if (f.status > 0) j["status"] = f.status;
  if (f.every > 0) j["every"] = f.every;
  json r =
      json::parse(Must(Control("POST", "/_sim/faults", j.dump()), "faults"));
  return r["ids"][0].get<int64_t>();
}

void SimulatorProcess::ClearFaults() const {
  Must(Control("POST", "/_sim/faults/clear"), "faults/clear");
}

std::string SimulatorProcess::AddJob() const {
  return json::parse(Must(Control("POST", "/_sim/jobs/add"), "jobs/add"))
      .at("id")
      .get<std::string>();
}

void SimulatorProcess::DeleteJob(const std::string& job_id) const {
  Must(Control("POST", "/_sim/jobs/delete?id=" + EncodeForm(job_id)),
       "jobs/delete");
}

std::string SimulatorProcess::AddSession(const std::string& job_id,
                                         const std::string& status,
                                         int64_t duration_seconds) const {
  return Must(
      Control("POST",
              "/_sim/sessions/add?job_id=" + EncodeForm(job_id) +
                  "&status=" + EncodeForm(status) +
                  "&duration_seconds=" + std::to_string(duration_seconds)),
      "sessions/add");
}

std::string SimulatorProcess::StartSession(const std::string& job_id) const {
  return Must(
      Control("POST", "/_sim/sessions/start?job_id=" + EncodeForm(job_id)),
      "sessions/start");
}

int64_t SimulatorProcess::FinishRunning(const std::string& job_id,
                                        const std::string& status) const {
  std::string path =
      "/_sim/sessions/finish-running?status=" + EncodeForm(status);
  if (!job_id.empty()) path += "&job_id=" + EncodeForm(job_id);
  json j = json::parse(Must(Control("POST", path), "sessions/finish-running"));
  return j.value("finished", int64_t{0});
}

void SimulatorProcess::ExpireAllTokens(bool refresh_tokens_too) const {
  Must(Control("POST", std::string("/_sim/tokens/expire-all") +
                           (refresh_tokens_too ? "?refresh=true" : "")),
       "tokens/expire-all");
}

void SimulatorProcess::Reset() const {
  Must(Control("POST", "/_sim/reset"), "reset");
}

GenOptions GenOptionsFor(const SimulatorConfig& config) {
  if (config.anchor_time.empty())
    throw std::invalid_argument(
        "ExpectedResources: pin SimulatorConfig::anchor_time");
  const auto anchor = ParseTicks(config.anchor_time);
  if (!anchor)
    throw std::invalid_argument("ExpectedResources: bad anchor_time " +
                                config.anchor_time);
  GenOptions o;
  o.seed = config.seed;
  o.jobs = config.jobs;
  o.sessions_per_job = config.sessions_per_job;
  o.anchor = *anchor;
  return o;
}

Resources ExpectedResources(const SimulatorConfig& config) {
  return GenerateResources(GenOptionsFor(config), config.resources);
}

}  // namespace vb365::sim
