// `collectors:` and `licensed_users_interval:` of a server (issue 9):
// defaults, a subset, and each bad value with its exact message.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace vb365 {
namespace {

const std::string kServer =
    "servers:\n  - name: a\n    url: https://h\n    username: u\n"
    "    password: p\n";

TEST(ConfigCollectors, DefaultIsEveryCollectorAndAnHourForLicensedUsers) {
  const auto c = LoadConfigString(kServer, "ok.yml");
  ASSERT_TRUE(c.ok()) << c.error();
  const ServerConfig& s = c->servers[0];
  EXPECT_EQ(s.collectors.size(), kCollectorNames.size());
  for (std::string_view name : kCollectorNames) {
    EXPECT_TRUE(s.CollectorEnabled(name)) << name;
  }
  EXPECT_EQ(s.licensed_users_interval, std::chrono::hours(1));
}

TEST(ConfigCollectors, ASubsetAndAnInterval) {
  const auto c =
      LoadConfigString(kServer +
                           "    collectors: [jobs, license, licensed_users]\n"
                           "    licensed_users_interval: 6h\n",
                       "ok.yml");
  ASSERT_TRUE(c.ok()) << c.error();
  const ServerConfig& s = c->servers[0];
  EXPECT_TRUE(s.CollectorEnabled("jobs"));
  EXPECT_TRUE(s.CollectorEnabled("license"));
  EXPECT_TRUE(s.CollectorEnabled("licensed_users"));
  EXPECT_FALSE(s.CollectorEnabled("health"));
  EXPECT_FALSE(s.CollectorEnabled("repositories"));
  EXPECT_EQ(s.licensed_users_interval, std::chrono::hours(6));
}

TEST(ConfigCollectors, EachBadValueGivesItsExactMessage) {
  const std::string known =
      "(known: jobs, copy_jobs, license, repositories, proxies, "
      "organizations, licensed_users, restore_sessions, health)";
  const struct {
    std::string yaml;
    std::string message;
  } cases[] = {
      {kServer + "    collectors: [jobs, licence]\n",
       "bad.yml:6: servers[0].collectors[1]: unknown collector \"licence\" " +
           known},
      {kServer + "    collectors: [license, license]\n",
       "bad.yml:6: servers[0].collectors[1]: collector \"license\" is listed "
       "twice"},
      {kServer + "    collectors: []\n",
       "bad.yml:6: servers[0].collectors: at least one collector is required " +
           known},
      {kServer + "    licensed_users_interval: soon\n",
       "bad.yml:6: servers[0].licensed_users_interval: "},
  };
  for (const auto& c : cases) {
    const auto result = LoadConfigString(c.yaml, "bad.yml");
    ASSERT_FALSE(result.ok()) << "accepted:\n" << c.yaml;
    EXPECT_EQ(result.error().code(), ErrorCode::kConfig);
    EXPECT_EQ(result.error().message().substr(0, c.message.size()), c.message)
        << result.error().message();
  }
}

}  // namespace
}  // namespace vb365
