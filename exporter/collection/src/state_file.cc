#include "collection/state_file.h"

#include <charconv>
#include <cstdint>
#include <set>
#include <utility>

namespace vb365 {
namespace {

constexpr char kHex[] = "0123456789abcdef";

uint64_t Fnv1a64(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string Hex64(uint64_t v) {
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4)
    out[static_cast<size_t>(i)] = kHex[v & 15];
  return out;
}

// Bytes that would break the space-separated line format are %XX.
std::string Escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || c == '%') {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool Unescape(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out->push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return false;
    const int a = HexDigit(s[i + 1]), b = HexDigit(s[i + 2]);
    if (a < 0 || b < 0) return false;
    out->push_back(static_cast<char>(a * 16 + b));
    i += 2;
  }
  return true;
}

std::string IdText(const Id& id) { return Hex64(id.hi) + Hex64(id.lo); }

template <typename T>
bool ParseNumber(std::string_view s, T* out, int base = 10) {
  if (s.empty()) return false;
  const auto [p, ec] =
      std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseIdText(std::string_view s, Id* out) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (HexDigit(c) < 0) return false;
  }
  return ParseNumber(s.substr(0, 16), &out->hi, 16) &&
         ParseNumber(s.substr(16), &out->lo, 16) && !out->empty();
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= line.size()) {
    const size_t sp = line.find(' ', start);
    const size_t end = sp == std::string_view::npos ? line.size() : sp;
    out.push_back(line.substr(start, end - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return out;
}

// Builds a SavedState line by line; every method returns false on a line
// that does not fit (wrong field count, bad number, out of order).
class Decoder {
 public:
  bool Line(std::string_view line) {
    const std::vector<std::string_view> f = Fields(line);
    if (f[0] == "server") return Server(f);
    if (f[0] == "job") return JobLine(f);
    if (f[0] == "at") return At(f);
    if (f[0] == "pending") return Pending(f);
    if (v2_ && f[0] == "restores") return Restores(f);
    if (v2_ && f[0] == "restore") return Restore(f);
    return false;
  }
  void set_v2(bool v2) { v2_ = v2; }
  SavedState Take() { return std::move(state_); }

 private:
  bool Server(const std::vector<std::string_view>& f) {
    SavedServer s;
    if (f.size() != 3 || !Unescape(f[1], &s.name) || !Unescape(f[2], &s.url) ||
        s.name.empty() || !servers_.insert({s.name, s.url}).second) {
      return false;
    }
    state_.servers.push_back(std::move(s));
    jobs_.clear();
    return true;
  }
  // restores LAST_READ then finished[type][result], type-major.
  bool Restores(const std::vector<std::string_view>& f) {
    constexpr size_t kCounts = kRestoreTypeCount * kRestoreResultCount;
    if (state_.servers.empty() || state_.servers.back().restores ||
        f.size() != 2 + kCounts) {
      return false;
    }
    SavedRestores r;
    if (!ParseNumber(f[1], &r.last_read)) return false;
    for (size_t i = 0; i < kCounts; ++i) {
      if (!ParseNumber(f[2 + i],
                       &r.tracker.finished[i / kRestoreResultCount]
                                          [i % kRestoreResultCount])) {
        return false;
      }
    }
    state_.servers.back().restores = std::move(r);
    restore_ids_.clear();
    return true;
  }
  // restore ID END CREATED, after its server's restores line.
  bool Restore(const std::vector<std::string_view>& f) {
    if (state_.servers.empty() || !state_.servers.back().restores ||
        f.size() != 4) {
      return false;
    }
    RestoreTrackerState::SeenId s;
    if (!ParseIdText(f[1], &s.id) || !ParseNumber(f[2], &s.end) ||
        !ParseNumber(f[3], &s.created) || !restore_ids_.insert(s.id).second) {
      return false;
    }
    state_.servers.back().restores->tracker.seen.push_back(s);
    return true;
  }
  bool JobLine(const std::vector<std::string_view>& f) {
    constexpr size_t kFields = 4 + kSessionStatusCount + 2;
    if (state_.servers.empty() || f.size() != kFields) return false;
    SavedJob j;
    if (!Unescape(f[1], &j.job_id) || j.job_id.empty() ||
        !jobs_.insert(j.job_id).second || !ParseNumber(f[2], &j.last_read) ||
        !ParseNumber(f[3], &j.tracker.watermark)) {
      return false;
    }
    for (int i = 0; i < kSessionStatusCount; ++i) {
      if (!ParseNumber(f[4 + static_cast<size_t>(i)],
                       &j.tracker.sessions_total[static_cast<size_t>(i)])) {
        return false;
      }
    }
    if (!ParseNumber(f[kFields - 2], &j.tracker.transferred_bytes_total) ||
        !ParseNumber(f[kFields - 1], &j.tracker.processed_objects_total)) {
      return false;
    }
    state_.servers.back().jobs.push_back(std::move(j));
    return true;
  }
  SavedJob* CurrentJob() {
    if (state_.servers.empty() || state_.servers.back().jobs.empty()) {
      return nullptr;
    }
    return &state_.servers.back().jobs.back();
  }
  bool At(const std::vector<std::string_view>& f) {
    SavedJob* j = CurrentJob();
    Id id;
    if (j == nullptr || f.size() != 2 || !ParseIdText(f[1], &id)) return false;
    j->tracker.at_watermark.push_back(id);
    return true;
  }
  bool Pending(const std::vector<std::string_view>& f) {
    SavedJob* j = CurrentJob();
    Id id;
    int misses = 0;
    if (j == nullptr || f.size() != 3 || !ParseIdText(f[1], &id) ||
        !ParseNumber(f[2], &misses) || misses < 0 ||
        misses >= JobTracker::kPendingMissLimit) {
      return false;
    }
    j->tracker.pending.emplace_back(id, misses);
    return true;
  }

  SavedState state_;
  bool v2_ = true;
  std::set<Id> restore_ids_;  // of the current server
  std::set<std::pair<std::string, std::string>> servers_;
  std::set<std::string> jobs_;  // of the current server
};

Error Malformed(const std::string& reason) {
  return Error{ErrorCode::kMalformed, reason};
}

}  // namespace

std::string EncodeState(const SavedState& state) {
  std::string out(kStateFileMagic);
  out += '\n';
  for (const SavedServer& s : state.servers) {
    out += "server " + Escape(s.name) + " " + Escape(s.url) + "\n";
    for (const SavedJob& j : s.jobs) {
      out += "job " + Escape(j.job_id) + " " + std::to_string(j.last_read) +
             " " + std::to_string(j.tracker.watermark);
      for (uint64_t n : j.tracker.sessions_total) {
        out += " " + std::to_string(n);
      }
      out += " " + std::to_string(j.tracker.transferred_bytes_total) + " " +
             std::to_string(j.tracker.processed_objects_total) + "\n";
      for (const Id& id : j.tracker.at_watermark) {
        out += "at " + IdText(id) + "\n";
      }
      for (const auto& [id, misses] : j.tracker.pending) {
        out += "pending " + IdText(id) + " " + std::to_string(misses) + "\n";
      }
    }
    if (s.restores) {
      out += "restores " + std::to_string(s.restores->last_read);
      for (const auto& by_result : s.restores->tracker.finished) {
        for (uint64_t n : by_result) out += " " + std::to_string(n);
      }
      out += "\n";
      for (const RestoreTrackerState::SeenId& r : s.restores->tracker.seen) {
        out += "restore " + IdText(r.id) + " " + std::to_string(r.end) + " " +
               std::to_string(r.created) + "\n";
      }
    }
  }
  out += "checksum " + Hex64(Fnv1a64(out)) + "\n";
  return out;
}

Result<SavedState> DecodeState(std::string_view text) {
  if (text.empty()) return Malformed("empty file");
  const std::string v1_line = std::string(kStateFileMagicV1) + "\n";
  const bool v1 = text.compare(0, v1_line.size(), v1_line) == 0;
  const std::string magic_line =
      v1 ? v1_line : std::string(kStateFileMagic) + "\n";
  if (text.size() < magic_line.size() &&
      magic_line.compare(0, text.size(), text) == 0) {
    return Malformed("truncated (inside the first line)");
  }
  if (text.compare(0, magic_line.size(), magic_line) != 0) {
    return Malformed("foreign file (first line is not \"" +
                     std::string(kStateFileMagic) +
                     "\": another format version, or not a state file)");
  }
  if (text.back() != '\n') return Malformed("truncated (no final newline)");
  const size_t last = text.rfind('\n', text.size() - 2);  // >= magic's '\n'
  const std::string_view body = text.substr(0, last + 1);
  const std::string_view sum_line =
      text.substr(last + 1, text.size() - last - 2);
  uint64_t sum = 0;
  if (sum_line.size() != 9 + 16 || sum_line.compare(0, 9, "checksum ") != 0 ||
      !ParseNumber(sum_line.substr(9), &sum, 16)) {
    return Malformed("truncated (no checksum line at the end)");
  }
  if (sum != Fnv1a64(body)) return Malformed("checksum mismatch");

  Decoder decoder;
  decoder.set_v2(!v1);
  size_t pos = magic_line.size();
  int line_no = 2;
  while (pos < body.size()) {
    const size_t eol = body.find('\n', pos);
    if (!decoder.Line(body.substr(pos, eol - pos))) {
      return Malformed("bad line " + std::to_string(line_no));
    }
    pos = eol + 1;
    ++line_no;
  }
  return decoder.Take();
}

}  // namespace vb365
