// Config loader: defaults, strict decoding, validation, secrets.
#include "config/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace vb365 {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kFixtures = VB365_FIXTURES_DIR "/config";

// The source text of each compiled jobs.include/exclude regex.
std::vector<std::string> Texts(const std::vector<JobNameRegex>& regexes) {
  std::vector<std::string> out;
  for (const JobNameRegex& r : regexes) out.push_back(r.text());
  return out;
}

// A private temporary directory, removed with its files at the end.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/vb365cfgXXXXXX";
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    for (const auto& f : files_) unlink(f.c_str());
    rmdir(path_.c_str());
  }
  std::string Write(const std::string& name, const std::string& contents) {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << contents;
    files_.push_back(p);
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

struct BadCase {
  const char* yaml;
  const char* message;
};

// blackbox_exporter style: each bad file with its exact message.
const BadCase kBadConfigs[] = {
    // Structure and types.
    {"", "bad.yml:1: servers: at least one server is required"},
    {"refresh_interval: 60s\n",
     "bad.yml:1: servers: at least one server is required"},
    {"servers: []\n", "bad.yml:1: servers: at least one server is required"},
    {"- a\n- b\n", "bad.yml:1: expected a mapping, got a sequence"},
    {"servers: {name: x}\n",
     "bad.yml:1: servers: expected a sequence, got a mapping"},
    {"servers:\n  - just-a-string\n",
     "bad.yml:2: servers[0]: expected a mapping, got a scalar"},
    {"refresh_interval: 60s\nservers:\n  - name: a\n    url: https://h\n"
     "    username: u\n    password: p\n    tls:\n      ca_fil: x\n",
     "bad.yml:8: servers[0].tls.ca_fil: unknown key"},
    {"scrape_interval: 60s\nservers: []\n",
     "bad.yml:1: scrape_interval: unknown key"},
    {"servers:\n  - name: a\n    name: b\n    url: https://h\n    username: u\n"
     "    password: p\n",
     "bad.yml:3: servers[0].name: duplicate key"},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "  - name: b\n    url: https://h\n    username: u\n    password: p\n    "
     "pasword: q\n",
     "bad.yml:10: servers[1].pasword: unknown key"},
    // YAML syntax.
    {"servers:\n  - name: a\n    url: [https://h\n",
     "bad.yml:4: invalid YAML: end of sequence flow not found"},
    {"servers:\n  - name: a: b\n",
     "bad.yml:2: invalid YAML: illegal map value"},
    {"servers: []\n---\nservers: []\n",
     "bad.yml:3: only one YAML document is allowed"},
    // A ',' outside [ ] or { }: yaml-cpp 0.7's LoadAll never returned
    // (config_fuzzer).
    {",\n", "bad.yml:1: invalid YAML: unexpected \",\""},
    {"servers:\n  - [a] ,\n",
     "bad.yml:2: invalid YAML: end of sequence not found"},
    {"[a] ,\n", "bad.yml:1: invalid YAML: unexpected \",\""},
    {"a\n---\nb\n,\n", "bad.yml:3: only one YAML document is allowed"},
    // Required values.
    {"servers:\n  - url: https://h\n    username: u\n    password: p\n",
     "bad.yml:2: servers[0].name: missing required value"},
    {"servers:\n  - name: ''\n    url: https://h\n    username: u\n    "
     "password: p\n",
     "bad.yml:2: servers[0].name: must not be empty"},
    {"servers:\n  - name: a\n    username: u\n    password: p\n",
     "bad.yml:2: servers[0].url: missing required value"},
    {"servers:\n  - name: a\n    url: https://h\n    password: p\n",
     "bad.yml:2: servers[0].username: missing required value"},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n",
     "bad.yml:2: servers[0]: one of password and password_file is required"},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password:\n",
     "bad.yml:2: servers[0]: one of password and password_file is required"},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    password_file: /etc/x\n",
     "bad.yml:2: servers[0]: only one of password and password_file may be "
     "given"},
    // Names.
    {"servers:\n  - name: east\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "  - name: east\n    url: https://h2\n    username: u\n    password: p\n",
     "bad.yml:6: servers[1].name: duplicate server name \"east\""},
    {"servers:\n  - name: \"a\\tb\"\n    url: https://h\n    username: u\n    "
     "password: p\n",
     "bad.yml:2: servers[0].name: must be printable text"},
    {"servers:\n  - name: "
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
     "    url: https://h\n    username: u\n    password: p\n",
     "bad.yml:2: servers[0].name: longer than 64 characters"},
    {"servers:\n  - name: {a: b}\n    url: https://h\n    username: u\n    "
     "password: p\n",
     "bad.yml:2: servers[0].name: expected a string, got a mapping"},
    // URLs.
    {"servers:\n  - name: a\n    url: ftp://h\n    username: u\n    password: "
     "p\n",
     "bad.yml:3: servers[0].url: must start with http:// or https://"},
    {"servers:\n  - name: a\n    url: vbo.example.com:4443\n    username: u\n  "
     "  password: p\n",
     "bad.yml:3: servers[0].url: must start with http:// or https://"},
    {"servers:\n  - name: a\n    url: https://\n    username: u\n    password: "
     "p\n",
     "bad.yml:3: servers[0].url: has no host"},
    {"servers:\n  - name: a\n    url: https://:4443\n    username: u\n    "
     "password: p\n",
     "bad.yml:3: servers[0].url: has no host"},
    {"servers:\n  - name: a\n    url: https://h/v8\n    username: u\n    "
     "password: p\n",
     "bad.yml:3: servers[0].url: must not have a path; the API version is set "
     "with api_version"},
    {"servers:\n  - name: a\n    url: https://h?x=1\n    username: u\n    "
     "password: p\n",
     "bad.yml:3: servers[0].url: must not have a query or fragment"},
    {"servers:\n  - name: a\n    url: https://h:99999\n    username: u\n    "
     "password: p\n",
     "bad.yml:3: servers[0].url: invalid port"},
    {"servers:\n  - name: a\n    url: https://h:44x3\n    username: u\n    "
     "password: p\n",
     "bad.yml:3: servers[0].url: invalid port"},
    {"servers:\n  - name: a\n    url: https://u:pw@h\n    username: u\n    "
     "password: p\n",
     "bad.yml:3: servers[0].url: must not contain credentials; use username "
     "and "
     "password"},
    // Enumerations, numbers, booleans.
    {"servers:\n  - name: a\n    url: https://h\n    api_version: v9\n    "
     "username: u\n"
     "    password: p\n",
     "bad.yml:4: servers[0].api_version: invalid API version \"v9\" (want "
     "auto, "
     "v3, v4, v5, v6, v7 or v8)"},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    max_concurrent_requests: 0\n",
     "bad.yml:6: servers[0].max_concurrent_requests: must be between 1 and 64, "
     "got 0"},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    max_concurrent_requests: 65\n",
     "bad.yml:6: servers[0].max_concurrent_requests: must be between 1 and 64, "
     "got 65"},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    max_concurrent_requests: eight\n",
     "bad.yml:6: servers[0].max_concurrent_requests: expected an integer, got "
     "\"eight\""},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    max_concurrent_requests: \"8\"\n",
     "bad.yml:6: servers[0].max_concurrent_requests: expected an integer, got "
     "\"8\""},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    max_concurrent_requests: 8.5\n",
     "bad.yml:6: servers[0].max_concurrent_requests: expected an integer, got "
     "\"8.5\""},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    tls:\n      insecure_skip_verify: yes\n",
     "bad.yml:7: servers[0].tls.insecure_skip_verify: expected a boolean (true "
     "or "
     "false), got \"yes\""},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    tls: true\n",
     "bad.yml:6: servers[0].tls: expected a mapping, got a scalar"},
    // Durations.
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    timeout: 30x\n",
     "bad.yml:6: servers[0].timeout: invalid duration \"30x\""},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    timeout: 30\n",
     "bad.yml:6: servers[0].timeout: invalid duration \"30\""},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    timeout: 0s\n",
     "bad.yml:6: servers[0].timeout: must be greater than 0"},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    timeout: -5s\n",
     "bad.yml:6: servers[0].timeout: invalid duration \"-5s\""},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    session_history: 500ms\n",
     "bad.yml:6: servers[0].session_history: must be at least 1s"},
    {"refresh_interval: 1m60\nservers:\n  - name: a\n    url: https://h\n"
     "    username: u\n    password: p\n",
     "bad.yml:1: refresh_interval: invalid duration \"1m60\""},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    refresh_interval: [1m]\n",
     "bad.yml:6: servers[0].refresh_interval: expected a duration, got a "
     "sequence"},
    // Job filters.
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    jobs:\n      include: ['ok', '(unclosed']\n",
     "bad.yml:7: servers[0].jobs.include[1]: invalid regex: unbalanced ( ) in "
     "\"(unclosed\""},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    jobs:\n      exclude:\n        - '[abc'\n",
     "bad.yml:8: servers[0].jobs.exclude[0]: invalid regex: unbalanced [ ] in "
     "\"[abc\""},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    jobs:\n      include: '.*'\n",
     "bad.yml:7: servers[0].jobs.include: expected a sequence, got a scalar"},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    jobs:\n      includes: []\n",
     "bad.yml:7: servers[0].jobs.includes: unknown key"},
    // Secrets from the environment and from files.
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n"
     "    password: ${VB365_CONFIG_TEST_UNSET_VARIABLE}\n",
     "bad.yml:5: servers[0].password: environment variable "
     "VB365_CONFIG_TEST_UNSET_VARIABLE is not set"},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: ${UNCLOSED\n",
     "bad.yml:5: servers[0].password: unterminated ${ in environment "
     "reference"},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n"
     "    password_file: /nonexistent/vb365/password\n",
     "bad.yml:5: servers[0].password_file: cannot read "
     "\"/nonexistent/vb365/password\": "
     "No such file or directory"},
    // A device is read up to the limit, not until memory runs out.
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n"
     "    password_file: /dev/zero\n",
     "bad.yml:5: servers[0].password_file: cannot read \"/dev/zero\": "
     "larger than 16 MiB"},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n    tls:\n      ca_file: /dev/zero\n",
     "bad.yml:7: servers[0].tls.ca_file: cannot read \"/dev/zero\": "
     "larger than 16 MiB"},
    {"servers:\n  - name: a\n    url: https://h\n    username: u\n    "
     "password: p\n"
     "    tls:\n      ca_file: /nonexistent/ca.pem\n",
     "bad.yml:7: servers[0].tls.ca_file: cannot read \"/nonexistent/ca.pem\": "
     "No "
     "such file or directory"},
};

TEST(ConfigBadFiles, EachBadFileGivesItsExactMessage) {
  for (const BadCase& c : kBadConfigs) {
    const auto result = LoadConfigString(c.yaml, "bad.yml");
    ASSERT_FALSE(result.ok()) << "accepted:\n" << c.yaml;
    EXPECT_EQ(result.error().message(), c.message) << "for:\n" << c.yaml;
    EXPECT_EQ(result.error().code(), ErrorCode::kConfig) << c.yaml;
  }
}

TEST(JobNameRegexCompile, BadPatternIsAConfigErrorWithTheReason) {
  const Result<JobNameRegex> bad = JobNameRegex::Compile("(unclosed");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kConfig);
  EXPECT_EQ(bad.error().message(), "unbalanced ( )");
  const Result<JobNameRegex> good = JobNameRegex::Compile("Daily.*");
  ASSERT_TRUE(good.ok()) << good.error();
  EXPECT_TRUE(good->FullMatch("Daily backup"));
  EXPECT_FALSE(good->FullMatch("Weekly backup"));
}

TEST(ConfigDefaults, MinimalServerGetsEveryDefault) {
  const auto result = LoadConfigFile(kFixtures + "/minimal.yml");
  ASSERT_TRUE(result.ok()) << result.error();
  const Config& c = *result;
  EXPECT_EQ(c.refresh_interval, milliseconds(60'000));
  EXPECT_EQ(c.max_concurrent_requests, 16);
  EXPECT_EQ(c.refresh_stagger, milliseconds(30'000));
  EXPECT_EQ(c.max_large_responses, 2);
  ASSERT_EQ(c.servers.size(), 1u);
  const ServerConfig& s = c.servers[0];
  EXPECT_EQ(s.name, "only");
  EXPECT_EQ(s.url, "https://vbo.example.com:4443");
  EXPECT_EQ(s.api_version, ApiVersion::kAuto);
  EXPECT_EQ(s.username, "monitor");
  EXPECT_EQ(s.password.Reveal(), "not-a-real-password");
  EXPECT_TRUE(s.password_file.empty());
  EXPECT_EQ(s.tls.ca_file, "");
  EXPECT_FALSE(s.tls.insecure_skip_verify);
  EXPECT_EQ(s.timeout, milliseconds(30'000));
  EXPECT_EQ(s.max_concurrent_requests, 8);
  EXPECT_EQ(s.session_history, seconds(7 * 24 * 3600));
  EXPECT_TRUE(s.jobs.include.empty());
  EXPECT_TRUE(s.jobs.exclude.empty());
  EXPECT_EQ(s.refresh_interval, milliseconds(0));
  EXPECT_TRUE(c.warnings.empty());
}

TEST(ConfigFull, EveryKeyOfTheFullExampleIsRead) {
  const auto result = LoadConfigFile(kFixtures + "/full.yml");
  ASSERT_TRUE(result.ok()) << result.error();
  const Config& c = *result;
  EXPECT_EQ(c.refresh_interval, milliseconds(120'000));
  EXPECT_EQ(c.max_concurrent_requests, 24);
  EXPECT_EQ(c.refresh_stagger, milliseconds(10'000));
  EXPECT_EQ(c.max_large_responses, 3);
  ASSERT_EQ(c.servers.size(), 2u);
  const ServerConfig& east = c.servers[0];
  EXPECT_EQ(east.name, "east");
  EXPECT_EQ(east.url, "https://vbo-east.example.com:4443");  // slash stripped
  EXPECT_EQ(east.api_version, ApiVersion::kAuto);
  EXPECT_EQ(east.username, "EXAMPLE\\monitor");
  // Relative paths resolve against the config file's directory; CRLF trimmed.
  EXPECT_EQ(east.password.Reveal(), "east-secret-value");
  EXPECT_EQ(east.password_file, kFixtures + "/east.password");
  EXPECT_EQ(east.tls.ca_file, kFixtures + "/test-ca.pem");
  EXPECT_FALSE(east.tls.insecure_skip_verify);
  EXPECT_EQ(east.timeout, milliseconds(45'000));
  EXPECT_EQ(east.max_concurrent_requests, 4);
  EXPECT_EQ(east.session_history, seconds(14 * 24 * 3600));
  EXPECT_EQ(Texts(east.jobs.include),
            (std::vector<std::string>{"^Prod-.*", "Exchange"}));
  EXPECT_EQ(Texts(east.jobs.exclude), (std::vector<std::string>{".*-test$"}));
  EXPECT_EQ(east.refresh_interval, milliseconds(300'000));

  const ServerConfig& west = c.servers[1];
  EXPECT_EQ(west.url, "http://10.0.0.7:4443");
  EXPECT_EQ(west.api_version, ApiVersion::kV8);
  EXPECT_EQ(west.password.Reveal(), "west-secret-value");
  EXPECT_EQ(west.refresh_interval, milliseconds(0));

  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0],
            kFixtures +
                "/full.yml:27: servers[1].url: plain http:// sends the "
                "password and data unencrypted");
}

TEST(ConfigWarnings, InsecureSkipVerifyIsAcceptedWithAWarning) {
  const auto result = LoadConfigString(
      "servers:\n  - name: a\n    url: https://h\n    username: u\n"
      "    password: p\n    tls:\n      insecure_skip_verify: true\n",
      "w.yml");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_TRUE(result->servers[0].tls.insecure_skip_verify);
  ASSERT_EQ(result->warnings.size(), 1u);
  EXPECT_EQ(result->warnings[0],
            "w.yml:7: servers[0].tls.insecure_skip_verify: TLS certificate "
            "verification is disabled");
}

TEST(ConfigUrl, SchemeIsLowercasedAndRootSlashStripped) {
  const auto result = LoadConfigString(
      "servers:\n  - name: a\n    url: HTTPS://[::1]:4443/\n    username: u\n"
      "    password: p\n",
      "u.yml");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->servers[0].url, "https://[::1]:4443");
  EXPECT_TRUE(result->warnings.empty());
}

TEST(ConfigPool, GlobalConcurrencyAndStaggerAreReadAndChecked) {
  const std::string server =
      "servers:\n  - name: a\n    url: https://a:4443\n    username: u\n"
      "    password: p\n";
  auto ok = LoadConfigString(
      "max_concurrent_requests: 300\nrefresh_stagger: 0s\n" + server, "p.yml");
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ(ok->max_concurrent_requests, 300);
  EXPECT_EQ(ok->refresh_stagger, milliseconds(0));
  auto bad = LoadConfigString("max_concurrent_requests: 0\n" + server, "p.yml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("max_concurrent_requests"),
            std::string::npos);
  EXPECT_FALSE(
      LoadConfigString("max_concurrent_requests: 1025\n" + server, "p.yml")
          .ok());
  EXPECT_FALSE(
      LoadConfigString("refresh_stagger: -1s\n" + server, "p.yml").ok());
}

TEST(ConfigPool, MaxLargeResponsesIsReadZeroMeansNoLimitNegativeIsRejected) {
  const std::string server =
      "servers:\n  - name: a\n    url: https://a:4443\n    username: u\n"
      "    password: p\n";
  auto one = LoadConfigString("max_large_responses: 1\n" + server, "p.yml");
  ASSERT_TRUE(one.ok()) << one.error();
  EXPECT_EQ(one->max_large_responses, 1);
  auto none = LoadConfigString("max_large_responses: 0\n" + server, "p.yml");
  ASSERT_TRUE(none.ok()) << none.error();
  EXPECT_EQ(none->max_large_responses, 0);
  auto bad = LoadConfigString("max_large_responses: -1\n" + server, "p.yml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "p.yml:1: max_large_responses: must be between 0 (no limit) and "
            "1024, got -1");
}

TEST(ConfigNames, SixtyFourUnicodeCharactersAreAllowed) {
  std::string name;
  for (int i = 0; i < 64; ++i) name += "\xc3\xa9";  // é: 2 bytes, 1 character
  const auto result = LoadConfigString(
      "servers:\n  - name: " + name +
          "\n    url: https://h\n    username: u\n    password: p\n",
      "n.yml");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->servers[0].name, name);
}

TEST(ConfigEnv, PasswordExpandsEnvironmentVariables) {
  setenv("VB365_CONFIG_TEST_PW", "s3cr3t-from-env", 1);
  setenv("VB365_CONFIG_TEST_PW2", "tail", 1);
  const auto result = LoadConfigString(
      "servers:\n  - name: a\n    url: https://h\n    username: u\n"
      "    password: "
      "'x${VB365_CONFIG_TEST_PW}-$${LITERAL}-$5-${VB365_CONFIG_TEST_PW2}'\n",
      "e.yml");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->servers[0].password.Reveal(),
            "xs3cr3t-from-env-${LITERAL}-$5-tail");
  unsetenv("VB365_CONFIG_TEST_PW");
  unsetenv("VB365_CONFIG_TEST_PW2");
}

TEST(ConfigEnv, EnvFixtureReadsTheVariable) {
  setenv("VB365_TEST_PASSWORD", "fixture-env-password", 1);
  const auto result = LoadConfigFile(kFixtures + "/env.yml");
  unsetenv("VB365_TEST_PASSWORD");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->servers[0].password.Reveal(), "fixture-env-password");
}

TEST(ConfigEnv, EmptyVariableIsAnErrorWithoutTheValue) {
  setenv("VB365_CONFIG_TEST_EMPTY", "", 1);
  const auto result = LoadConfigString(
      "servers:\n  - name: a\n    url: https://h\n    username: u\n"
      "    password: ${VB365_CONFIG_TEST_EMPTY}\n",
      "e.yml");
  unsetenv("VB365_CONFIG_TEST_EMPTY");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(),
            "e.yml:5: servers[0].password: must not be empty");
}

TEST(ConfigPasswordFile, TrailingNewlinesAreTrimmedInnerSpacesKept) {
  TempDir dir;
  dir.Write("pw", "  pass word \r\n\n");
  dir.Write("c.yml",
            "servers:\n  - name: a\n    url: https://h\n    username: u\n"
            "    password_file: pw\n");
  const auto result = LoadConfigFile(dir.path() + "/c.yml");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->servers[0].password.Reveal(), "  pass word ");
  EXPECT_EQ(result->servers[0].password_file, dir.path() + "/pw");
}

TEST(ConfigPasswordFile, EmptyFileIsAnErrorNamingThePath) {
  TempDir dir;
  const std::string pw = dir.Write("pw", "\n");
  const auto result = LoadConfigString(
      "servers:\n  - name: a\n    url: https://h\n    username: u\n"
      "    password_file: " +
          pw + "\n",
      "c.yml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(),
            "c.yml:5: servers[0].password_file: file \"" + pw + "\" is empty");
}

TEST(ConfigPasswordFile, DirectoryIsAnErrorNamingThePath) {
  TempDir dir;
  const auto result = LoadConfigString(
      "servers:\n  - name: a\n    url: https://h\n    username: u\n"
      "    password_file: " +
          dir.path() + "\n",
      "c.yml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(),
            "c.yml:5: servers[0].password_file: cannot read \"" + dir.path() +
                "\": is a directory");
}

TEST(ConfigTls, CaFileWithoutACertificateIsRejected) {
  TempDir dir;
  const std::string ca = dir.Write("ca.pem", "not a certificate\n");
  const auto result = LoadConfigString(
      "servers:\n  - name: a\n    url: https://h\n    username: u\n"
      "    password: p\n    tls:\n      ca_file: " +
          ca + "\n",
      "c.yml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(),
            "c.yml:7: servers[0].tls.ca_file: file \"" + ca +
                "\" holds no PEM certificate");
}

TEST(ConfigFile, MissingFileIsAnErrorWithoutALine) {
  const auto result = LoadConfigFile("/nonexistent/vb365.yml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(
      result.error().message(),
      "/nonexistent/vb365.yml: cannot read \"/nonexistent/vb365.yml\": No "
      "such file or directory");
}

TEST(ConfigFile, ErrorsInAFileNameTheFile) {
  TempDir dir;
  const std::string path =
      dir.Write("bad.yml",
                "servers:\n  - name: a\n    url: https://h\n    username: u\n"
                "    password: p\n    timeout: soon\n");
  const auto result = LoadConfigFile(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(),
            path + ":6: servers[0].timeout: invalid duration \"soon\"");
}

// The secret must not leak through any message, whatever goes wrong.
TEST(ConfigSecrets, NoMessageContainsThePassword) {
  const std::string secret = "Zq9-hunter2-SECRET";
  setenv("VB365_CONFIG_TEST_SECRET", secret.c_str(), 1);
  TempDir dir;
  const std::string pw_file = dir.Write("pw", secret + "\n");
  const std::vector<std::string> bad = {
      // Errors after the password was read.
      "servers:\n  - name: a\n    url: https://h\n    username: u\n    "
      "password: " +
          secret + "\n    timeout: 1x\n",
      "servers:\n  - name: a\n    url: https://h\n    username: u\n    "
      "password_file: " +
          pw_file + "\n    jobs: {include: ['(']}\n",
      "servers:\n  - name: a\n    url: https://h\n    username: u\n"
      "    password: ${VB365_CONFIG_TEST_SECRET}\n  - name: a\n    url: "
      "https://h\n"
      "    username: u\n    password: ${VB365_CONFIG_TEST_SECRET}\n",
      // The password itself malformed or in the wrong place.
      "servers:\n  - name: a\n    url: https://h\n    username: u\n    "
      "password: [" +
          secret + "]\n",
      "servers:\n  - name: a\n    url: https://h\n    username: u\n    "
      "password: {" +
          secret + ": 1}\n",
      "servers:\n  - name: a\n    url: https://h\n    username: u\n    "
      "password: ${" +
          secret + "}\n",
      "servers:\n  - name: a\n    url: https://h\n    username: u\n    "
      "password: '${" +
          secret + "'\n",
      "servers:\n  - name: a\n    url: https://h\n    username: u\n    "
      "password: '" +
          secret + "' trailing\n",
      "servers:\n  - name: a\n    url: https://h\n    username: u\n    "
      "password: " +
          secret + "\n    password: " + secret + "\n",
      "servers:\n  - name: a\n    url: https://u:" + secret +
          "@h\n    username: u\n    password: p\n",
      "servers:\n  - name: a\n    url: " + secret +
          "\n    username: u\n    password: p\n",
      "servers:\n  - name: a\n    url: https://h/" + secret +
          "\n    username: u\n    password: p\n",
      "servers:\n  - name: a\n    url: https://h\n    username: u\n    "
      "password: " +
          secret + "\n    password_file: " + pw_file + "\n",
  };
  for (const std::string& yaml : bad) {
    const auto result = LoadConfigString(yaml, "s.yml");
    ASSERT_FALSE(result.ok()) << yaml;
    EXPECT_EQ(result.error().message().find(secret), std::string::npos)
        << result.error();
    EXPECT_EQ(result.error().message().find("hunter2"), std::string::npos)
        << result.error();
  }
  // Accepted configs: the warnings must not carry the secret either.
  const auto ok = LoadConfigString(
      "servers:\n  - name: a\n    url: http://h\n    username: u\n"
      "    password: ${VB365_CONFIG_TEST_SECRET}\n    tls:\n"
      "      insecure_skip_verify: true\n",
      "s.yml");
  ASSERT_TRUE(ok.ok()) << ok.error();
  ASSERT_EQ(ok->warnings.size(), 2u);
  for (const std::string& w : ok->warnings) {
    EXPECT_EQ(w.find(secret), std::string::npos) << w;
  }
  unsetenv("VB365_CONFIG_TEST_SECRET");
}

TEST(Duration, ParsesPrometheusDurations) {
  EXPECT_EQ(ParseDuration("60s"), milliseconds(60'000));
  EXPECT_EQ(ParseDuration("1m30s"), milliseconds(90'000));
  EXPECT_EQ(ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(ParseDuration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(ParseDuration("7d"), milliseconds(604'800'000));
  EXPECT_EQ(ParseDuration("1w"), milliseconds(604'800'000));
  EXPECT_EQ(ParseDuration("1y"), milliseconds(31'536'000'000));
  EXPECT_EQ(ParseDuration("1h2m3s4ms"), milliseconds(3'723'004));
  EXPECT_EQ(ParseDuration("1d12h"), milliseconds(129'600'000));
  EXPECT_EQ(ParseDuration("0"), milliseconds(0));
  EXPECT_EQ(ParseDuration("0s"), milliseconds(0));
}

TEST(Duration, RejectsMalformedText) {
  for (const char* bad : {"", "s", "60", "30x", "1.5s", "-1s", "+1s", " 1s",
                          "1s ", "1s1m", "1m1m", "1ms1s", "1S", "1 s", "1mss",
                          "99999999999999999999s", "9999999999y"}) {
    EXPECT_FALSE(ParseDuration(bad).has_value()) << bad;
  }
}

TEST(ApiVersionText, RoundTripsEveryVersion) {
  EXPECT_EQ(ParseApiVersion("auto"), ApiVersion::kAuto);
  for (int v = 3; v <= 8; ++v) {
    const std::string name = "v" + std::to_string(v);
    const auto parsed = ParseApiVersion(name);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(static_cast<int>(*parsed), v);
    EXPECT_EQ(ApiVersionName(*parsed), name);
  }
  EXPECT_EQ(ApiVersionName(ApiVersion::kAuto), "auto");
  for (const char* bad : {"v2", "v9", "V8", "8", "", "auto ", "v10"}) {
    EXPECT_FALSE(ParseApiVersion(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace vb365
