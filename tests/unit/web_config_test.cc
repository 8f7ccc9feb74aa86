// Web config (TLS, basic auth) and bcrypt verification.
#include "config/web_config.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <string>

namespace vb365 {
namespace {

const std::string kFixtures = VB365_FIXTURES_DIR "/config";

// A fresh bcrypt hash made here with libxcrypt (cost 4 keeps tests fast).
std::string MakeHash(const std::string& password, const char* prefix = "$2b$") {
  const char* salt = crypt_gensalt(prefix, 4, nullptr, 0);
  EXPECT_NE(salt, nullptr);
  const char* hash = crypt(password.c_str(), salt);
  EXPECT_NE(hash, nullptr);
  return hash;
}

std::string Base64(const std::string& in) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(n >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    const unsigned n = static_cast<unsigned char>(in[i]) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63],
            kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

TEST(Bcrypt, VerifiesTheRightPasswordOnly) {
  const std::string hash = MakeHash("correct horse");
  ASSERT_EQ(hash.rfind("$2b$04$", 0), 0u) << hash;
  EXPECT_TRUE(VerifyBcryptPassword("correct horse", hash));
  EXPECT_FALSE(VerifyBcryptPassword("correct horsE", hash));
  EXPECT_FALSE(VerifyBcryptPassword("", hash));
  EXPECT_FALSE(VerifyBcryptPassword(std::string("correct horse\0x", 15), hash));
}

TEST(Bcrypt, AcceptsThe2yPrefixOfHtpasswd) {
  // htpasswd -B writes $2y$; libxcrypt verifies it.
  std::string hash = MakeHash("pw");
  hash[2] = 'y';
  EXPECT_TRUE(VerifyBcryptPassword("pw", hash));
}

TEST(Bcrypt, MalformedHashNeverVerifies) {
  EXPECT_FALSE(VerifyBcryptPassword("pw", ""));
  EXPECT_FALSE(VerifyBcryptPassword("pw", "pw"));
  EXPECT_FALSE(VerifyBcryptPassword("pw", "$2b$04$short"));
  EXPECT_FALSE(VerifyBcryptPassword("", "*0"));
}

TEST(WebConfig, FixtureHasTlsAndOneUser) {
  const auto result = LoadWebConfigFile(kFixtures + "/web.yml");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_TRUE(result->tls_enabled());
  EXPECT_EQ(result->tls_cert_file, kFixtures + "/web-cert.pem");
  EXPECT_EQ(result->tls_key_file, kFixtures + "/web-key.pem");
  ASSERT_EQ(result->basic_auth_users.count("prometheus"), 1u);
  EXPECT_TRUE(VerifyBcryptPassword(
      "test-web-password", result->basic_auth_users.at("prometheus").Reveal()));
  EXPECT_TRUE(result->warnings.empty());
}

TEST(WebConfig, EmptyFileMeansPlainHttpWithoutAuth) {
  const auto result = LoadWebConfigString("", "web.yml");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_FALSE(result->tls_enabled());
  EXPECT_FALSE(result->auth_enabled());
}

TEST(WebConfig, BasicAuthWithoutTlsWarns) {
  const auto result = LoadWebConfigString(
      "basic_auth_users:\n  alice: '" + MakeHash("x") + "'\n", "web.yml");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_TRUE(result->auth_enabled());
  ASSERT_EQ(result->warnings.size(), 1u);
  EXPECT_EQ(result->warnings[0],
            "web.yml:2: basic_auth_users: basic auth without tls_server_config "
            "sends passwords unencrypted");
}

TEST(WebConfig, BadFilesGiveExactMessages) {
  const std::string cert = kFixtures + "/web-cert.pem";
  const std::string key = kFixtures + "/web-key.pem";
  const std::string hash = MakeHash("pw");
  const struct {
    std::string yaml;
    std::string message;
  } cases[] = {
      {"tls_config: {}\n", "w.yml:1: tls_config: unknown key"},
      {"tls_server_config:\n  cert_file: " + cert + "\n",
       "w.yml:2: tls_server_config.key_file: missing required value"},
      {"tls_server_config:\n  key_file: " + key + "\n",
       "w.yml:2: tls_server_config.cert_file: missing required value"},
      {"tls_server_config:\n  cert_file: " + cert + "\n  key_file: " + key +
           "\n  client_auth_type: RequireAndVerifyClientCert\n",
       "w.yml:4: tls_server_config.client_auth_type: not supported by "
       "vb365_exporter"},
      {"tls_server_config:\n  cert_file: " + cert + "\n  key_file: " + key +
           "\n  keyfile: x\n",
       "w.yml:4: tls_server_config.keyfile: unknown key"},
      {"tls_server_config:\n  cert_file: /nonexistent/c.pem\n  key_file: " +
           key + "\n",
       "w.yml:2: tls_server_config.cert_file: cannot read "
       "\"/nonexistent/c.pem\": "
       "No such file or directory"},
      {"tls_server_config:\n  cert_file: " + key + "\n  key_file: " + key +
           "\n",
       "w.yml:2: tls_server_config.cert_file: file \"" + key +
           "\" holds no PEM certificate"},
      {"tls_server_config:\n  cert_file: " + cert + "\n  key_file: " + cert +
           "\n",
       "w.yml:3: tls_server_config.key_file: file \"" + cert +
           "\" holds no PEM private key"},
      {"http_server_config:\n  http2: false\n",
       "w.yml:2: http_server_config: not supported by vb365_exporter"},
      {"basic_auth_users:\n  alice: notahash\n",
       "w.yml:2: basic_auth_users.alice: not a bcrypt hash ($2a$, $2b$ or "
       "$2y$)"},
      {"basic_auth_users:\n  alice:\n",
       "w.yml:2: basic_auth_users.alice: missing bcrypt hash"},
      {"basic_auth_users:\n  'a:b': '" + hash + "'\n",
       "w.yml:2: basic_auth_users[\"a:b\"]: user name must not contain ':'"},
      {"basic_auth_users:\n  alice: '" + hash + "'\n  alice: '" + hash + "'\n",
       "w.yml:3: basic_auth_users.alice: duplicate key"},
      {"basic_auth_users: [alice]\n",
       "w.yml:1: basic_auth_users: expected a mapping, got a sequence"},
      {"basic_auth_users:\n  alice: [x]\n",
       "w.yml:2: basic_auth_users.alice: expected a string, got a sequence"},
      {"basic_auth_users: {\n",
       "w.yml:2: invalid YAML: end of map flow not found"},
  };
  for (const auto& c : cases) {
    const auto result = LoadWebConfigString(c.yaml, "w.yml");
    ASSERT_FALSE(result.ok()) << c.yaml;
    EXPECT_EQ(result.error().message(), c.message) << c.yaml;
    EXPECT_EQ(result.error().code(), ErrorCode::kConfig) << c.yaml;
  }
}

TEST(WebConfig, HashesNeverAppearInMessages) {
  const std::string hash = MakeHash("pw");
  const std::string truncated = hash.substr(0, hash.size() - 1);
  for (const std::string& yaml :
       {"basic_auth_users:\n  alice: '" + truncated + "'\n",
        "basic_auth_users:\n  alice: '" + hash + "'\n  alice: '" + hash + "'\n",
        "basic_auth_users:\n  'x:y': '" + hash + "'\n"}) {
    const auto result = LoadWebConfigString(yaml, "w.yml");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message().find(truncated.substr(7)),
              std::string::npos)
        << result.error();
  }
}

TEST(WebConfig, MissingFileHasNoLine) {
  const auto result = LoadWebConfigFile("/nonexistent/web.yml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(),
            "/nonexistent/web.yml: cannot read "
            "\"/nonexistent/web.yml\": No such file or directory");
  EXPECT_EQ(result.error().code(), ErrorCode::kConfig);
}

TEST(BasicAuth, ChecksUserAndPassword) {
  BasicAuthenticator auth({{"alice", Secret(MakeHash("wonderland"))},
                           {"bob", Secret(MakeHash("builder"))}});
  EXPECT_TRUE(auth.Check("alice", "wonderland"));
  EXPECT_TRUE(auth.Check("alice", "wonderland"));  // from the cache
  EXPECT_TRUE(auth.Check("bob", "builder"));
  EXPECT_FALSE(auth.Check("alice", "builder"));  // another user's password
  EXPECT_FALSE(auth.Check("bob", "wonderland"));
  EXPECT_FALSE(auth.Check("carol", "wonderland"));
  EXPECT_FALSE(auth.Check("", ""));
}

TEST(BasicAuth, ParsesTheAuthorizationHeader) {
  BasicAuthenticator auth({{"alice", Secret(MakeHash("pa:ss word"))}});
  EXPECT_TRUE(auth.CheckHeader("Basic " + Base64("alice:pa:ss word")));
  EXPECT_TRUE(auth.CheckHeader("basic " + Base64("alice:pa:ss word")));
  EXPECT_FALSE(auth.CheckHeader("Basic " + Base64("alice:pa:ss wordX")));
  EXPECT_FALSE(auth.CheckHeader("Basic " + Base64("alice")));
  EXPECT_FALSE(auth.CheckHeader("Bearer " + Base64("alice:pa:ss word")));
  EXPECT_FALSE(auth.CheckHeader("Basic !!!!"));
  EXPECT_FALSE(auth.CheckHeader(""));
}

TEST(BasicAuth, HeaderSplitsAtTheFirstColon) {
  std::string u, p;
  ASSERT_TRUE(ParseBasicAuthHeader("Basic cHJvbTpzM2NyZXQ6eA==", &u, &p));
  EXPECT_EQ(u, "prom");
  EXPECT_EQ(p, "s3cret:x");
  EXPECT_FALSE(ParseBasicAuthHeader("Bearer abc", &u, &p));
  EXPECT_FALSE(ParseBasicAuthHeader("Basic !!!", &u, &p));
  EXPECT_FALSE(
      ParseBasicAuthHeader("Basic bm9jb2xvbg==", &u, &p));  // "nocolon"
  EXPECT_FALSE(ParseBasicAuthHeader("", &u, &p));
}

TEST(Base64, DecodesWithAndWithoutPadding) {
  std::string out;
  ASSERT_TRUE(DecodeBase64("YWxpY2U6cHc=", &out));
  EXPECT_EQ(out, "alice:pw");
  ASSERT_TRUE(DecodeBase64("YQ==", &out));
  EXPECT_EQ(out, "a");
  ASSERT_TRUE(DecodeBase64("YWI=", &out));
  EXPECT_EQ(out, "ab");
  ASSERT_TRUE(DecodeBase64("", &out));
  EXPECT_EQ(out, "");
  for (const char* bad : {"Y", "YQ=", "Y===", "YQ==YQ==", "Y=Q=", "YW*j"}) {
    EXPECT_FALSE(DecodeBase64(bad, &out)) << bad;
  }
}

}  // namespace
}  // namespace vb365
