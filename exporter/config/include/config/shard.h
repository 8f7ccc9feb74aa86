// --servers.shard=I/N: which of the configured servers one replica of the
// exporter watches, by a stable hash of the server's name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace vb365 {

// Replica `index` of `count` (0 <= index < count). The default, 0/1, takes
// every server.
struct ServerShard {
  uint32_t index = 0;
  uint32_t count = 1;
  bool all() const { return count <= 1; }
  std::string text() const;  // "I/N"
};

// The largest N accepted by --servers.shard.
inline constexpr uint32_t kMaxShards = 1000;

// "I/N" with decimal I and N, 0 <= I < N <= kMaxShards; an Error (kConfig)
// that names what is wrong otherwise.
Result<ServerShard> ParseServerShard(const std::string& text);

// FNV-1a, 64 bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3),
// over the bytes of `bytes`: the same on every platform and in every
// version (the tests pin values), so replicas of different builds agree.
uint64_t Fnv1a64(std::string_view bytes);

// The shard a server name falls on: Fnv1a64(name) mod count.
uint32_t ShardOf(std::string_view server_name, uint32_t count);

// True when `shard` takes the server named `server_name`.
inline bool InShard(std::string_view server_name, const ServerShard& shard) {
  return shard.all() || ShardOf(server_name, shard.count) == shard.index;
}

}  // namespace vb365
