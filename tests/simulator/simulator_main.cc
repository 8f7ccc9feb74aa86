// vb365_simulator: a stand-in VB365 REST API server for tests, the demo and
// the benchmarks. Flags in, Simulator::Run out (see docs/simulator.md).
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "sim_server.h"

namespace {

constexpr const char* kUsage = R"(Usage: vb365_simulator [options]

A VB365 REST API simulator (HTTPS on loopback only). See docs/simulator.md.

Listening:
  --listen HOST:PORT          address to bind (default 127.0.0.1:4443); HOST must be
                              loopback (127.0.0.0/8, ::1 as [::1]:PORT, localhost);
                              PORT 0 binds any free port
  --ready-file FILE           write the bound port number to FILE once listening
  --tls-cert FILE             server certificate (PEM), required unless --plain-http
  --tls-key FILE              server private key (PEM)
  --plain-http                serve plain HTTP instead of HTTPS (explicit opt-in)
  --threads N                 worker threads (default 32; each open connection holds one)
  --exit-after SECONDS        stop by itself after SECONDS (safety net for scripts)
  --quiet                     no start-up line on stderr

API and data:
  --versions LIST             API versions served, e.g. v3,v8 (default v3,v6,v7,v8;
                              any of v3..v8); others answer 404
  --jobs N                    generated jobs (default 5)
  --sessions-per-job M        generated sessions per job (default 10)
  --seed S                    data seed (default 1); same seed, same bytes
  --anchor-time ISO8601       the generated history ends at this instant
                              (default: the wall clock at start)
  --fixture-sessions ID=FILE  serve FILE verbatim as the sessions of job ID (the
                              job is listed in /Jobs); repeatable
  --job-name INDEX=NAME       generated job INDEX is named NAME instead (any
                              bytes, e.g. markup for the status page test);
                              repeatable
  --session-interval SECONDS  time moves: every SECONDS each enabled job starts a
                              Running session that finishes SECONDS/2 later
                              (0 = frozen, the default)
  --running-sessions-in-bounded-reads=true|false
                              whether /JobSessions?endTimeLowerBound= (and
                              /RestoreSessions?endTimeFrom=) also return
                              sessions that have no end time yet (default true)

The rest of the server (defaults carry every interesting state once):
  --repositories N            backup repositories (default 4)
  --proxies N                 backup proxies (default 4)
  --organizations N           organizations (default 4)
  --licensed-users N          licensed users, spread over the organizations,
                              made page by page (default 200; up to 10000000)
  --copy-jobs N               backup copy jobs, --sessions-per-job sessions
                              each (default 3)
  --restore-sessions N        restore sessions (default 8)
  --healthy                   /Health (v8) reports every component Healthy
                              (default: PostgreSQL Unhealthy)

Authentication:
  --username U                accepted user name (default VB365\monitor;
                              compared case-insensitively)
  --password-file F           file holding the accepted password (first line);
                              required: passwords never go on the command line
  --token-lifetime SECONDS    access token lifetime, sent as expires_in (default 3600)
  --refresh-lifetime SECONDS  refresh token lifetime (default 1209600)
  --token-rate-limit N        /Token requests per minute before 429 with Retry-After
                              (default 0 = unlimited)

Faults (the same as POST /_sim/faults at run time):
  --latency-ms MS             delay every API response by MS milliseconds
  --fault SPEC                add a fault, repeatable. SPEC is comma-separated
                              key=value: kind=KIND (or just KIND first),
                              endpoint=token|service_instance|jobs|job_sessions|
                              license|licensed_users|repositories|proxies|
                              organizations|organization_sync|copy_jobs|
                              restore_sessions|health,
                              job_id=ID, count=N (times; default until cleared),
                              ms=N, bytes=N, status=N, every=N. KIND is one of
                              latency, drip, http_error (error500), html_error,
                              reset, malformed, truncated, numbers_as_strings,
                              nulls, missing_fields, unknown_enums, huge,
                              not_found, down, page_overlap, page_loop;
                              retry_after=N, page_size=N as in docs.
                              Example: --fault kind=drip,endpoint=jobs,bytes=8,ms=20

  -h, --help                  this text
)";

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "vb365_simulator: %s\n(see --help)\n", message.c_str());
  return 2;
}

bool ToInt(const std::string& s, long long min, long long* out) {
  try {
    size_t pos = 0;
    long long v = std::stoll(s, &pos);
    if (pos != s.size() || v < min) return false;
    *out = v;
    return true;
  } catch (...) {
    return false;
  }
}

bool ToDouble(const std::string& s, double* out) {
  try {
    size_t pos = 0;
    double v = std::stod(s, &pos);
    if (pos != s.size() || v < 0) return false;
    *out = v;
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using vb365::sim::SimulatorOptions;
  SimulatorOptions o;
  std::string password_file;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    const size_t eq = arg.find('=');
    const bool has_inline = arg.rfind("--", 0) == 0 && eq != std::string::npos;
    if (has_inline) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto need = [&](std::string* v) {
      if (has_inline) {
        *v = value;
        return true;
      }
      if (i + 1 >= argc) return false;
      *v = argv[++i];
      return true;
    };
    long long n = 0;
    std::string v;
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--plain-http") {
      o.plain_http = true;
    } else if (arg == "--quiet") {
      o.quiet = true;
    } else if (arg == "--healthy") {
      o.resources.healthy = true;
    } else if (!need(&v)) {
      return Fail("unknown option or missing value: " + arg);
    } else if (arg == "--listen") {
      size_t colon = v.rfind(':');
      if (colon == std::string::npos) return Fail("--listen wants HOST:PORT");
      std::string host = v.substr(0, colon);
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
      }
      if (!ToInt(v.substr(colon + 1), 0, &n) || n > 65535)
        return Fail("bad port in --listen");
      if (!vb365::sim::IsLoopbackHost(host)) {
        return Fail("refusing --listen " + v +
                    ": loopback addresses only (127.0.0.0/8, ::1)");
      }
      o.host = host;
      o.port = static_cast<int>(n);
    } else if (arg == "--ready-file") {
      o.ready_file = v;
    } else if (arg == "--tls-cert") {
      o.tls_cert = v;
    } else if (arg == "--tls-key") {
      o.tls_key = v;
    } else if (arg == "--threads") {
      if (!ToInt(v, 1, &n) || n > 256) return Fail("--threads wants 1..256");
      o.threads = static_cast<int>(n);
    } else if (arg == "--exit-after") {
      if (!ToDouble(v, &o.exit_after_seconds))
        return Fail("--exit-after wants seconds");
    } else if (arg == "--versions") {
      o.versions.clear();
      std::stringstream ss(v);
      std::string item;
      while (std::getline(ss, item, ',')) {
        if (item.size() != 2 || (item[0] != 'v' && item[0] != 'V') ||
            item[1] < '3' || item[1] > '8') {
          return Fail("--versions: '" + item + "' is not one of v3..v8");
        }
        o.versions.push_back(item[1] - '0');
      }
      if (o.versions.empty()) return Fail("--versions is empty");
    } else if (arg == "--jobs") {
      if (!ToInt(v, 0, &n) || n > 1000000)
        return Fail("--jobs wants 0..1000000");
      o.gen.jobs = static_cast<int>(n);
    } else if (arg == "--sessions-per-job") {
      if (!ToInt(v, 0, &n) || n > 10000000)
        return Fail("--sessions-per-job wants 0..10000000");
      o.gen.sessions_per_job = static_cast<int>(n);
    } else if (arg == "--seed") {
      if (!ToInt(v, 0, &n)) return Fail("--seed wants a non-negative integer");
      o.gen.seed = static_cast<uint64_t>(n);
    } else if (arg == "--anchor-time") {
      auto t = vb365::sim::ParseTicks(v);
      if (!t)
        return Fail(
            "--anchor-time wants an ISO 8601 time, e.g. 2026-11-01T00:00:00Z");
      o.gen.anchor = *t;
      o.anchor_from_clock = false;
    } else if (arg == "--fixture-sessions") {
      size_t e = v.find('=');
      if (e == std::string::npos || e == 0)
        return Fail("--fixture-sessions wants JOBID=FILE");
      std::string body;
      if (!ReadFile(v.substr(e + 1), &body))
        return Fail("cannot read " + v.substr(e + 1));
      o.fixture_bodies.emplace_back(v.substr(0, e), body);
      std::string name = v.substr(e + 1);
      size_t slash = name.rfind('/');
      o.fixture_names.push_back(
          slash == std::string::npos ? name : name.substr(slash + 1));
    } else if (arg == "--job-name") {
      const size_t e = v.find('=');
      long long index = 0;
      if (e == std::string::npos || !ToInt(v.substr(0, e), 0, &index) ||
          index > 1000000) {
        return Fail("--job-name wants INDEX=NAME");
      }
      o.job_names.emplace_back(static_cast<int>(index), v.substr(e + 1));
    } else if (arg == "--running-sessions-in-bounded-reads") {
      if (v != "true" && v != "false")
        return Fail("--running-sessions-in-bounded-reads wants true or false");
      o.running_sessions_in_bounded_reads = v == "true";
    } else if (arg == "--repositories" || arg == "--proxies" ||
               arg == "--organizations" || arg == "--copy-jobs" ||
               arg == "--restore-sessions") {
      if (!ToInt(v, 0, &n) || n > 100000) return Fail(arg + " wants 0..100000");
      int* target = arg == "--repositories"    ? &o.resources.repositories
                    : arg == "--proxies"       ? &o.resources.proxies
                    : arg == "--organizations" ? &o.resources.organizations
                    : arg == "--copy-jobs"     ? &o.resources.copy_jobs
                                               : &o.resources.restore_sessions;
      *target = static_cast<int>(n);
    } else if (arg == "--licensed-users") {
      if (!ToInt(v, 0, &n) || n > 10000000)
        return Fail("--licensed-users wants 0..10000000");
      o.resources.licensed_users = n;
    } else if (arg == "--session-interval") {
      if (!ToDouble(v, &o.session_interval_seconds))
        return Fail("--session-interval wants seconds");
    } else if (arg == "--username") {
      o.username = v;
    } else if (arg == "--password-file") {
      password_file = v;
    } else if (arg == "--password") {
      return Fail(
          "--password is not supported: put the password in a file, "
          "--password-file");
    } else if (arg == "--token-lifetime") {
      if (!ToInt(v, 1, &n)) return Fail("--token-lifetime wants seconds >= 1");
      o.token_lifetime_seconds = n;
    } else if (arg == "--refresh-lifetime") {
      if (!ToInt(v, 1, &n))
        return Fail("--refresh-lifetime wants seconds >= 1");
      o.refresh_lifetime_seconds = n;
    } else if (arg == "--token-rate-limit") {
      if (!ToInt(v, 0, &n))
        return Fail("--token-rate-limit wants a count >= 0");
      o.token_rate_limit = static_cast<int>(n);
    } else if (arg == "--latency-ms") {
      if (!ToInt(v, 0, &n)) return Fail("--latency-ms wants milliseconds >= 0");
      o.latency_ms = n;
    } else if (arg == "--fault") {
      vb365::sim::FaultSpec f;
      std::string err = vb365::sim::ParseFaultFlag(v, &f);
      if (!err.empty()) return Fail(err);
      o.faults.push_back(f);
    } else {
      return Fail("unknown option: " + arg);
    }
  }
  if (password_file.empty()) return Fail("--password-file is required");
  if (!ReadFile(password_file, &o.password))
    return Fail("cannot read --password-file " + password_file);
  const size_t nl = o.password.find_first_of("\r\n");
  if (nl != std::string::npos) o.password.resize(nl);
  if (o.password.empty()) return Fail("the password file is empty");
  if (!o.plain_http && (o.tls_cert.empty() || o.tls_key.empty())) {
    return Fail("--tls-cert and --tls-key are required (or --plain-http)");
  }

  // Block the stop signals in every thread; one thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  vb365::sim::Simulator sim(std::move(o));
  std::thread waiter([&sim, set] {
    int sig = 0;
    sigwait(&set, &sig);
    sim.Stop();
  });
  const int rc = sim.Run();
  // Joined, not detached: after a signal the waiter may still be inside
  // Stop() when Run() returns, and `sim` must outlive it (ThreadSanitizer
  // saw the destructor race it). When Run() ended by itself, wake it with
  // its signal; Stop() after Run() is harmless.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return rc;
}
