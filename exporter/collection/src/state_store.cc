#include "collection/state_store.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <thread>

#include "common/log.h"

namespace vb365 {
namespace {

Error IoError(const std::string& what, const std::string& path) {
  return Error{ErrorCode::kIo, what + " " + path + ": " + std::strerror(errno)};
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteAll(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("write", path);
    done += static_cast<size_t>(n);
  }
  return Ok{};
}

// A state file is a few kB per server; anything far larger is not one (and
// /dev/zero must not be read forever).
constexpr size_t kMaxStateFileBytes = size_t{64} << 20;

// The file's bytes, or why it cannot be read (kNotFound: it does not exist).
Result<std::string> ReadWhole(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error{errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                 std::strerror(errno)};
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e{ErrorCode::kIo, std::strerror(errno)};
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxStateFileBytes) {
      ::close(fd);
      return Error{ErrorCode::kTooLarge,
                   "larger than " + std::to_string(kMaxStateFileBytes) +
                       " bytes: not a state file"};
    }
  }
  ::close(fd);
  return out;
}

}  // namespace

Status WriteFileAtomically(const std::string& path, const std::string& text,
                           std::chrono::milliseconds pause_before_rename) {
  const std::string tmp = path + ".tmp";
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create", tmp);
  Status written = WriteAll(fd, text, tmp);
  if (written.ok() && ::fsync(fd) != 0) written = IoError("fsync", tmp);
  if (::close(fd) != 0 && written.ok()) written = IoError("close", tmp);
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return written;
  }
  if (pause_before_rename.count() > 0) {
    std::this_thread::sleep_for(pause_before_rename);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = IoError("cannot rename " + tmp + " to", path);
    ::unlink(tmp.c_str());
    return e;
  }
  // The rename is durable only once the directory entry is.
  const std::string dir = DirectoryOf(path);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return IoError("cannot open directory", dir);
  if (::fsync(dfd) != 0) {
    Error e = IoError("fsync directory", dir);
    ::close(dfd);
    return e;
  }
  ::close(dfd);
  return Ok{};
}

StateStore::StateStore(StateStoreOptions options,
                       const std::vector<ServerConfig>& servers)
    : options_(std::move(options)) {
  Result<std::string> read = ReadWhole(options_.path);
  if (!read.ok() && read.error().code() == ErrorCode::kNotFound) {
    Log(LogLevel::kInfo, "no state file yet; counters start at a baseline",
        {{"path", options_.path}});
    return;
  }
  if (!read.ok()) {
    Log(LogLevel::kWarn, "state file ignored; counters start at a baseline",
        {{"path", options_.path}, {"error", read.error().message()}});
    return;
  }
  const std::string& text = *read;
  Result<SavedState> state = DecodeState(text);
  if (!state.ok()) {
    Log(LogLevel::kWarn, "state file ignored; counters start at a baseline",
        {{"path", options_.path}, {"error", state.error().message()}});
    return;
  }
  std::set<std::pair<std::string, std::string>> configured;
  for (const ServerConfig& s : servers) configured.insert({s.name, s.url});
  size_t jobs = 0, dropped = 0;
  for (SavedServer& s : state->servers) {
    if (configured.count({s.name, s.url}) == 0) {
      ++dropped;  // removed from the config, or its URL changed
      continue;
    }
    jobs += s.jobs.size();
    servers_[{s.name, s.url}] = Saved{std::move(s.jobs), std::move(s.restores)};
  }
  written_ = text;
  Log(LogLevel::kInfo, "state file read",
      {{"path", options_.path},
       {"servers", std::to_string(servers_.size())},
       {"jobs", std::to_string(jobs)},
       {"servers_dropped", std::to_string(dropped)}});
}

std::map<std::string, SavedJob> StateStore::Restored(
    const std::string& name, const std::string& url) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, SavedJob> out;
  auto it = servers_.find({name, url});
  if (it == servers_.end()) return out;
  for (const SavedJob& j : it->second.jobs) out[j.job_id] = j;
  return out;
}

std::optional<SavedRestores> StateStore::RestoredRestores(
    const std::string& name, const std::string& url) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = servers_.find({name, url});
  if (it == servers_.end()) return std::nullopt;
  return it->second.restores;
}

void StateStore::Update(const std::string& name, const std::string& url,
                        std::vector<SavedJob> jobs,
                        std::optional<SavedRestores> restores) {
  std::sort(jobs.begin(), jobs.end(), [](const SavedJob& a, const SavedJob& b) {
    return a.job_id < b.job_id;
  });
  std::lock_guard<std::mutex> lock(mu_);
  servers_[{name, url}] = Saved{std::move(jobs), std::move(restores)};
  Status s = WriteLocked(/*force=*/false);
  if (!s.ok() && !failing_) {
    Log(LogLevel::kWarn, "cannot write the state file; will retry",
        {{"path", options_.path}, {"error", s.error().message()}});
  }
  if (s.ok() && failing_) {
    Log(LogLevel::kInfo, "state file written again", {{"path", options_.path}});
  }
  failing_ = !s.ok();
}

Status StateStore::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  return WriteLocked(/*force=*/true);
}

Status StateStore::WriteLocked(bool force) {
  SavedState state;
  for (const auto& [key, saved] : servers_) {
    state.servers.push_back(
        SavedServer{key.first, key.second, saved.jobs, saved.restores});
  }
  std::string text = EncodeState(state);
  if (!force && text == written_ && !failing_) return Ok{};
  if (Status s = WriteFileAtomically(options_.path, text,
                                     options_.pause_before_rename);
      !s.ok()) {
    return s.error().Context("state file");
  }
  written_ = std::move(text);
  return Ok{};
}

}  // namespace vb365
