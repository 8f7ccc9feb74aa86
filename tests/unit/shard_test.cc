// --servers.shard: parsing, the pinned hash values, and that every server
// falls on exactly one shard.
#include "config/shard.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "config/flags.h"

namespace vb365 {
namespace {

TEST(ServerShard, Fnv1a64MatchesThePublishedTestVectors) {
  // From the FNV reference (isthe.com/chongo/tech/comp/fnv): pinned so that
  // replicas of any build and platform agree on who takes which server.
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(ServerShard, ServerNamesFallOnPinnedShards) {
  EXPECT_EQ(Fnv1a64("east"), 0x211598601e3fcc3cULL);
  EXPECT_EQ(ShardOf("east", 3), 2u);
  EXPECT_EQ(ShardOf("west", 2), 0u);
  EXPECT_EQ(ShardOf("sim-00", 2), 1u);
  EXPECT_EQ(ShardOf("sim-01", 2), 0u);
  // Bytes, not characters: UTF-8 names hash their encoding.
  EXPECT_EQ(Fnv1a64("z\xc3\xbcrich"), 0xfe8bb21e6544b7a0ULL);
  EXPECT_EQ(ShardOf("anything", 1), 0u);
}

TEST(ServerShard, EveryServerIsTakenByExactlyOneReplica) {
  for (uint32_t n : {1u, 2u, 3u, 7u}) {
    for (int i = 0; i < 200; ++i) {
      const std::string name = "server-" + std::to_string(i);
      int takers = 0;
      for (uint32_t k = 0; k < n; ++k) {
        takers += InShard(name, ServerShard{k, n}) ? 1 : 0;
      }
      EXPECT_EQ(takers, 1) << name << " over " << n;
    }
  }
}

TEST(ServerShard, ParsesIndexOverCount) {
  Result<ServerShard> s = ParseServerShard("1/3");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->index, 1u);
  EXPECT_EQ(s->count, 3u);
  EXPECT_EQ(s->text(), "1/3");
  EXPECT_TRUE(ParseServerShard("0/1")->all());
}

TEST(ServerShard, RefusesBadValuesWithAClearReason) {
  struct Case {
    const char* text;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {"3/3", "must be below N (0..2)"},
      {"0/0", "must be 1..1000"},
      {"0/1001", "must be 1..1000"},
      {"-1/3", "want I/N"},
      {"1", "want I/N"},
      {"1/", "want I/N"},
      {" 1/3", "want I/N"},
      {"a/b", "want I/N"},
  };
  for (const Case& c : cases) {
    Result<ServerShard> s = ParseServerShard(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.error().code(), ErrorCode::kConfig);
    EXPECT_NE(s.error().message().find(c.reason), std::string::npos)
        << c.text << ": " << s.error().message();
  }
}

TEST(ServerShard, FlagSetsTheShardAndNamesItselfInErrors) {
  Result<Flags> f = ParseFlags(std::vector<std::string>{"--servers.shard=2/5"});
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ(f->shard.index, 2u);
  EXPECT_EQ(f->shard.count, 5u);
  EXPECT_TRUE(ParseFlags(std::vector<std::string>{})->shard.all());
  Result<Flags> bad =
      ParseFlags(std::vector<std::string>{"--servers.shard", "5/5"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("flag --servers.shard: invalid value "
                                       "\"5/5\""),
            std::string::npos)
      << bad.error().message();
}

TEST(Flags, EnableLifecycleIsOffByDefault) {
  EXPECT_FALSE(ParseFlags(std::vector<std::string>{})->enable_lifecycle);
  EXPECT_TRUE(ParseFlags(std::vector<std::string>{"--web.enable-lifecycle"})
                  ->enable_lifecycle);
}

const char kTwoServers[] = R"(servers:
  - name: a
    url: https://127.0.0.1:1
    username: u
    password: p
    jobs: { include: ["x.*"] }
  - name: b
    url: https://127.0.0.1:2
    username: u
    password: p
)";

TEST(SameServerConfig, SameTextGivesSameServersAndAnyChangeDiffers) {
  Result<Config> a = LoadConfigString(kTwoServers, "a.yml");
  Result<Config> b = LoadConfigString(kTwoServers, "b.yml");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(SameServerConfig(a->servers[0], b->servers[0]));
  EXPECT_FALSE(SameServerConfig(a->servers[0], b->servers[1]));
  ServerConfig changed = a->servers[0];
  changed.password = Secret("other");
  EXPECT_FALSE(SameServerConfig(a->servers[0], changed));
  changed = a->servers[0];
  changed.timeout = std::chrono::milliseconds(1);
  EXPECT_FALSE(SameServerConfig(a->servers[0], changed));
  changed = a->servers[0];
  changed.jobs.include.clear();
  EXPECT_FALSE(SameServerConfig(a->servers[0], changed));
  // The TLS settings of the pin issue restart the server too.
  changed = a->servers[0];
  changed.tls.server_certificate_sha256 = "AA:BB";
  EXPECT_FALSE(SameServerConfig(a->servers[0], changed));
  changed = a->servers[0];
  changed.tls.server_name = "vb365.example.com";
  EXPECT_FALSE(SameServerConfig(a->servers[0], changed));
  changed = a->servers[0];
  changed.tls.min_version = TlsVersion::kTls13;
  EXPECT_FALSE(SameServerConfig(a->servers[0], changed));
}

}  // namespace
}  // namespace vb365
