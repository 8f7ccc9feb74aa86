#include "config/shard.h"

namespace vb365 {
namespace {

// Decimal digits only (no sign, no spaces), at most 9 of them.
bool ParseCount(const std::string& s, uint32_t* out) {
  if (s.empty() || s.size() > 9) return false;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string ServerShard::text() const {
  return std::to_string(index) + "/" + std::to_string(count);
}

Result<ServerShard> ParseServerShard(const std::string& text) {
  const size_t slash = text.find('/');
  ServerShard shard;
  if (slash == std::string::npos ||
      !ParseCount(text.substr(0, slash), &shard.index) ||
      !ParseCount(text.substr(slash + 1), &shard.count)) {
    return Error{ErrorCode::kConfig,
                 "invalid value \"" + text +
                     "\" (want I/N: this replica's 0-based index I and the "
                     "number of replicas N, e.g. 0/3)"};
  }
  if (shard.count < 1 || shard.count > kMaxShards) {
    return Error{ErrorCode::kConfig, "invalid value \"" + text +
                                         "\": the number of replicas N must "
                                         "be 1.." +
                                         std::to_string(kMaxShards)};
  }
  if (shard.index >= shard.count) {
    return Error{ErrorCode::kConfig, "invalid value \"" + text +
                                         "\": the index I is 0-based and " +
                                         "must be below N (0.." +
                                         std::to_string(shard.count - 1) + ")"};
  }
  return shard;
}

uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint32_t ShardOf(std::string_view server_name, uint32_t count) {
  if (count <= 1) return 0;
  return static_cast<uint32_t>(Fnv1a64(server_name) % count);
}

}  // namespace vb365
