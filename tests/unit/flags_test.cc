// Command-line flags: defaults, both value forms, errors, help text.
#include "config/flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vb365 {
namespace {

TEST(Flags, NoArgumentsGiveTheDocumentedDefaults) {
  const auto flags = ParseFlags(std::vector<std::string>{});
  ASSERT_TRUE(flags.ok()) << flags.error();
  EXPECT_EQ(flags->config_file, "vb365_exporter.yml");
  EXPECT_FALSE(flags->config_check);
  EXPECT_EQ(flags->listen_address, ":9865");
  EXPECT_EQ(flags->telemetry_path, "/metrics");
  EXPECT_EQ(flags->web_config_file, "");
  EXPECT_EQ(flags->log_level, LogLevel::kInfo);
  EXPECT_EQ(flags->log_format, LogFormat::kLogfmt);
  EXPECT_FALSE(flags->version);
  EXPECT_FALSE(flags->help);
}

TEST(Flags, EqualsFormSetsEveryFlag) {
  const auto flags = ParseFlags(std::vector<std::string>{
      "--config.file=/etc/x.yml", "--config.check",
      "--web.listen-address=127.0.0.1:1234", "--web.telemetry-path=/m",
      "--web.config.file=web.yml", "--log.level=debug", "--log.format=json",
      "--version"});
  ASSERT_TRUE(flags.ok()) << flags.error();
  EXPECT_EQ(flags->config_file, "/etc/x.yml");
  EXPECT_TRUE(flags->config_check);
  EXPECT_EQ(flags->listen_address, "127.0.0.1:1234");
  EXPECT_EQ(flags->telemetry_path, "/m");
  EXPECT_EQ(flags->web_config_file, "web.yml");
  EXPECT_EQ(flags->log_level, LogLevel::kDebug);
  EXPECT_EQ(flags->log_format, LogFormat::kJson);
  EXPECT_TRUE(flags->version);
}

TEST(Flags, SpaceFormTakesTheNextArgument) {
  const auto flags = ParseFlags(std::vector<std::string>{
      "--config.file", "a b.yml", "--web.listen-address", "[::1]:9",
      "--log.level", "error", "--log.format", "logfmt", "--web.config.file",
      "w.yml", "--web.telemetry-path", "/x/metrics"});
  ASSERT_TRUE(flags.ok()) << flags.error();
  EXPECT_EQ(flags->config_file, "a b.yml");
  EXPECT_EQ(flags->listen_address, "[::1]:9");
  EXPECT_EQ(flags->log_level, LogLevel::kError);
  EXPECT_EQ(flags->log_format, LogFormat::kLogfmt);
  EXPECT_EQ(flags->web_config_file, "w.yml");
  EXPECT_EQ(flags->telemetry_path, "/x/metrics");
}

TEST(Flags, StateFileIsOffByDefaultAndTakesAPath) {
  auto flags = ParseFlags(std::vector<std::string>{});
  ASSERT_TRUE(flags.ok()) << flags.error();
  EXPECT_EQ(flags->state_file, "");
  flags = ParseFlags(std::vector<std::string>{
      "--storage.state-file=/var/lib/vb365_exporter/state"});
  ASSERT_TRUE(flags.ok()) << flags.error();
  EXPECT_EQ(flags->state_file, "/var/lib/vb365_exporter/state");
  flags = ParseFlags(std::vector<std::string>{"--storage.state-file", "s"});
  ASSERT_TRUE(flags.ok()) << flags.error();
  EXPECT_EQ(flags->state_file, "s");
  flags = ParseFlags(std::vector<std::string>{"--storage.state-file=/var/"});
  ASSERT_FALSE(flags.ok());
  EXPECT_NE(flags.error().message().find("--storage.state-file"),
            std::string::npos);
  EXPECT_NE(HelpText("x").find("--storage.state-file=<path>"),
            std::string::npos);
}

TEST(Flags, BooleanFlagsDoNotConsumeTheNextArgument) {
  const auto flags = ParseFlags(
      std::vector<std::string>{"--config.check", "--log.level", "warn"});
  ASSERT_TRUE(flags.ok()) << flags.error();
  EXPECT_TRUE(flags->config_check);
  EXPECT_EQ(flags->log_level, LogLevel::kWarn);
}

TEST(Flags, BooleanFlagsAcceptExplicitValuesAndNegation) {
  auto flags = ParseFlags(std::vector<std::string>{"--config.check=false"});
  ASSERT_TRUE(flags.ok());
  EXPECT_FALSE(flags->config_check);
  flags = ParseFlags(
      std::vector<std::string>{"--config.check", "--no-config.check"});
  ASSERT_TRUE(flags.ok());
  EXPECT_FALSE(flags->config_check);
  flags = ParseFlags(std::vector<std::string>{"--config.check=maybe"});
  ASSERT_FALSE(flags.ok());
  EXPECT_EQ(
      flags.error().message(),
      "flag --config.check: invalid value \"maybe\" (want true or false)");
}

TEST(Flags, LastOccurrenceWins) {
  const auto flags = ParseFlags(
      std::vector<std::string>{"--log.level=debug", "--log.level", "error"});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->log_level, LogLevel::kError);
}

TEST(Flags, HelpAndShortHelp) {
  EXPECT_TRUE(ParseFlags(std::vector<std::string>{"--help"})->help);
  EXPECT_TRUE(ParseFlags(std::vector<std::string>{"-h"})->help);
}

TEST(Flags, ArgvOverloadSkipsTheProgramName) {
  const char* argv[] = {"vb365_exporter", "--web.listen-address=:0"};
  const auto flags = ParseFlags(2, argv);
  ASSERT_TRUE(flags.ok()) << flags.error();
  EXPECT_EQ(flags->listen_address, ":0");
}

struct BadFlags {
  std::vector<std::string> args;
  const char* message;
};

TEST(Flags, BadArgumentsGiveExactErrors) {
  const BadFlags cases[] = {
      {{"--config.fil=x"}, "unknown flag --config.fil"},
      {{"--web.listen_address", ":1"}, "unknown flag --web.listen_address"},
      {{"--no-log.level"}, "unknown flag --no-log.level"},
      {{"config.yml"},
       "unexpected argument at position 1; flags start with --"},
      {{"--log.level=info", "-v"},
       "unexpected argument at position 2; flags start with --"},
      {{"--config.file"}, "flag --config.file needs a value"},
      {{"--config.file="}, "flag --config.file: must not be empty"},
      {{"--log.level=trace"},
       "flag --log.level: invalid value \"trace\" (want debug, info, warn or "
       "error)"},
      {{"--log.format", "text"},
       "flag --log.format: invalid value \"text\" (want logfmt or json)"},
      {{"--web.listen-address=9865"},
       "flag --web.listen-address: invalid address \"9865\" (want host:port or "
       ":port)"},
      {{"--web.listen-address=:70000"},
       "flag --web.listen-address: invalid address \":70000\" (want host:port "
       "or :port)"},
      {{"--web.listen-address=::1:80"},
       "flag --web.listen-address: invalid address \"::1:80\" (want host:port "
       "or :port)"},
      {{"--web.telemetry-path=metrics"},
       "flag --web.telemetry-path: must start with /"},
      {{"--web.telemetry-path=/"},
       "flag --web.telemetry-path: must not be / (the landing page)"},
      {{"--web.max-connections=0"},
       "flag --web.max-connections: invalid value \"0\" (want 1 to 100000)"},
      {{"--web.max-connections-per-client=-3"},
       "flag --web.max-connections-per-client: invalid value \"-3\" (want 1 "
       "to 100000)"},
      {{"--web.idle-timeout=500ms"},
       "flag --web.idle-timeout: invalid duration \"500ms\" (want 1s to 24h)"},
      {{"--web.read-header-timeout=soon"},
       "flag --web.read-header-timeout: invalid duration \"soon\" (want "
       "100ms to 1h)"},
  };
  for (const BadFlags& c : cases) {
    const auto flags = ParseFlags(c.args);
    ASSERT_FALSE(flags.ok()) << c.message;
    EXPECT_EQ(flags.error().message(), c.message);
    EXPECT_EQ(flags.error().code(), ErrorCode::kConfig) << c.message;
  }
}

TEST(Flags, HttpServerBoundsHaveDefaultsAndTakeValues) {
  const auto defaults = ParseFlags(std::vector<std::string>{});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->max_connections, 256);
  EXPECT_EQ(defaults->max_connections_per_client, 64);
  EXPECT_EQ(defaults->idle_timeout, std::chrono::seconds(60));
  EXPECT_EQ(defaults->read_header_timeout, std::chrono::seconds(5));
  const auto set = ParseFlags(std::vector<std::string>{
      "--web.max-connections=10", "--web.max-connections-per-client", "2",
      "--web.idle-timeout=2m", "--web.read-header-timeout=1500ms"});
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(set->max_connections, 10);
  EXPECT_EQ(set->max_connections_per_client, 2);
  EXPECT_EQ(set->idle_timeout, std::chrono::minutes(2));
  EXPECT_EQ(set->read_header_timeout, std::chrono::milliseconds(1500));
}

TEST(Flags, HelpListsEveryFlagWithItsDefault) {
  const std::string help = HelpText("vb365_exporter");
  EXPECT_EQ(help.rfind("usage: vb365_exporter [<flags>]\n", 0), 0u) << help;
  for (const char* expected : {"--config.file=<path>",
                               "(default: \"vb365_exporter.yml\")",
                               "--config.check",
                               "--web.listen-address=<address>",
                               "(default: \":9865\")",
                               "--web.telemetry-path=<path>",
                               "(default: \"/metrics\")",
                               "--web.config.file=<path>",
                               "--log.level=<level>",
                               "(default: \"info\")",
                               "debug, info, warn, error",
                               "--log.format=<format>",
                               "(default: \"logfmt\")",
                               "logfmt or json",
                               "--version",
                               "-h, --help",
                               "--web.max-connections=<n>",
                               "(default: \"256\")",
                               "--web.max-connections-per-client=<n>",
                               "--web.idle-timeout=<duration>",
                               "--web.read-header-timeout=<duration>"}) {
    EXPECT_NE(help.find(expected), std::string::npos) << expected << "\n"
                                                      << help;
  }
}

TEST(Flags, PrintCertificateTakesAnHttpsUrlAndNeverEchoesAnother) {
  auto flags = ParseFlags(
      std::vector<std::string>{"--print-certificate", "https://10.0.0.5:4443"});
  ASSERT_TRUE(flags.ok()) << flags.error();
  EXPECT_EQ(flags->print_certificate, "https://10.0.0.5:4443");
  EXPECT_TRUE(
      ParseFlags(std::vector<std::string>{})->print_certificate.empty());
  for (const char* bad : {"http://h:4443", "https://", "user:secret@h"}) {
    auto r = ParseFlags(
        std::vector<std::string>{std::string("--print-certificate=") + bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kConfig);
    EXPECT_EQ(r.error().message(),
              "flag --print-certificate: must be an https:// URL");
  }
}

TEST(ListenAddress, SplitsHostAndPort) {
  std::string host;
  int port = -1;
  ASSERT_TRUE(SplitListenAddress(":9865", &host, &port));
  EXPECT_EQ(host, "");
  EXPECT_EQ(port, 9865);
  ASSERT_TRUE(SplitListenAddress("127.0.0.1:0", &host, &port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(SplitListenAddress("[::1]:443", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 443);
  ASSERT_TRUE(SplitListenAddress("localhost:80", &host, &port));
  EXPECT_EQ(host, "localhost");
  for (const char* bad : {"", ":", "9865", "h:", "h:x", "[::1]", "[]:1",
                          "::1:80", "h:123456", "a b:1"}) {
    EXPECT_FALSE(SplitListenAddress(bad, &host, &port)) << bad;
  }
}

}  // namespace
}  // namespace vb365
