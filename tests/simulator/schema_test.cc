// Every response the simulator sends, checked against Veeam's OpenAPI
// documents: each emitted field must exist in the schema with the right type,
// format and enum value; required fields must be there.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "datagen.h"
#include "harness.h"

namespace vb365::sim {
namespace {

using json = nlohmann::json;

// Values the real API sends although its enums do not list them
// (shared/vb365-api/README.md): the simulator emits them on purpose.
const std::map<std::string, std::set<std::string>> kKnownExtraEnumValues = {
    {"status", {"Updating"}}};

class SchemaChecker {
 public:
  explicit SchemaChecker(json doc) : doc_(std::move(doc)) {}

  std::vector<std::string> Check(const json& value,
                                 const std::string& schema_name) const {
    std::vector<std::string> errors;
    Walk(value, Schema(schema_name), schema_name, "", &errors);
    return errors;
  }

 private:
  const json& Schema(const std::string& name) const {
    return doc_["components"]["schemas"].at(name);
  }
  const json& Resolve(const json& s) const {
    if (s.contains("$ref")) {
      const std::string ref = s["$ref"].get<std::string>();
      const std::string prefix = "#/components/schemas/";
      return Resolve(Schema(ref.substr(prefix.size())));
    }
    return s;
  }

  void Walk(const json& v, const json& schema_in, const std::string& path,
            const std::string& key, std::vector<std::string>* errors) const {
    // {"allOf": [{"$ref": X}], "nullable": true}: X, null allowed here.
    if (schema_in.contains("allOf") && schema_in["allOf"].size() == 1) {
      if (v.is_null()) {
        if (!schema_in.value("nullable", false))
          errors->push_back(path + ": null but not nullable");
        return;
      }
      Walk(v, schema_in["allOf"][0], path, key, errors);
      return;
    }
    const json& s = Resolve(schema_in);
    if (v.is_null()) {
      if (!s.value("nullable", false))
        errors->push_back(path + ": null but not nullable");
      return;
    }
    const std::string type =
        s.value("type", s.contains("properties") ? "object" : "");
    if (type == "object") {
      if (!v.is_object()) {
        errors->push_back(path + ": expected object");
        return;
      }
      const json props = s.value("properties", json::object());
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (props.contains(it.key())) {
          Walk(it.value(), props[it.key()], path + "." + it.key(), it.key(),
               errors);
        } else if (s.contains("additionalProperties") &&
                   s["additionalProperties"].is_object()) {
          Walk(it.value(), s["additionalProperties"], path + "." + it.key(),
               it.key(), errors);
        } else {
          errors->push_back(path + "." + it.key() + ": field not in schema");
        }
      }
      for (const json& r : s.value("required", json::array())) {
        if (!v.contains(r.get<std::string>())) {
          errors->push_back(path + ": required field " + r.get<std::string>() +
                            " missing");
        }
      }
    } else if (type == "array") {
      if (!v.is_array()) {
        errors->push_back(path + ": expected array");
        return;
      }
      for (size_t i = 0; i < v.size(); ++i) {
        Walk(v[i], s["items"], path + "[" + std::to_string(i) + "]", key,
             errors);
      }
    } else if (type == "string") {
      if (!v.is_string()) {
        errors->push_back(path + ": expected string");
        return;
      }
      const std::string text = v.get<std::string>();
      const std::string format = s.value("format", "");
      static const std::regex kUuid(
          "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-"
          "fA-F]{12}$");
      if (format == "uuid" && !std::regex_match(text, kUuid)) {
        errors->push_back(path + ": not a uuid: " + text);
      }
      if (format == "date-time" && !ParseTicks(text)) {
        errors->push_back(path + ": not a date-time: " + text);
      }
      if (s.contains("enum")) {
        bool ok = false;
        for (const json& e : s["enum"]) ok = ok || e == text;
        auto extra = kKnownExtraEnumValues.find(key);
        if (!ok && extra != kKnownExtraEnumValues.end() &&
            extra->second.count(text))
          ok = true;
        if (!ok) errors->push_back(path + ": '" + text + "' not in enum");
      }
    } else if (type == "integer") {
      if (!v.is_number_integer()) {
        errors->push_back(path + ": expected integer");
        return;
      }
      if (s.value("format", "") == "int32") {
        const int64_t n = v.get<int64_t>();
        if (n < INT32_MIN || n > INT32_MAX)
          errors->push_back(path + ": exceeds int32");
      }
    } else if (type == "boolean") {
      if (!v.is_boolean()) errors->push_back(path + ": expected boolean");
    } else if (type == "number") {
      if (!v.is_number()) errors->push_back(path + ": expected number");
    }
  }

  json doc_;
};

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < 20; ++i) out += v[i] + "\n";
  return out;
}

class SchemaTest : public ::testing::Test {
 protected:
  // The documents are in the tree (tests/fixtures/openapi): a missing or
  // unreadable one fails every test of the suite, it never skips.
  static void SetUpTestSuite() {
    const std::string dir = VB365_OPENAPI_DIR;
    for (int v : {6, 7, 8}) {
      const std::string path =
          dir + "/vb365_rest_v" + std::to_string(v) + ".json";
      std::ifstream f(path);
      if (!f) {
        load_error_ += "cannot read " + path + "\n";
        continue;
      }
      json doc = json::parse(f, nullptr, /*allow_exceptions=*/false);
      if (doc.is_discarded()) {
        load_error_ += path + " is not JSON\n";
        continue;
      }
      docs_[v] = std::make_unique<SchemaChecker>(std::move(doc));
    }
  }
  static void TearDownTestSuite() {
    docs_.clear();
    load_error_.clear();
  }
  void SetUp() override { ASSERT_EQ(load_error_, "") << "OpenAPI documents"; }
  // v3..v5 have no published document; their session and job fields are a
  // subset of v6's, so they are checked against v6.
  static const SchemaChecker& Doc(int v) { return *docs_.at(v < 6 ? 6 : v); }

  static std::map<int, std::unique_ptr<SchemaChecker>> docs_;
  static std::string load_error_;
};
std::map<int, std::unique_ptr<SchemaChecker>> SchemaTest::docs_;
std::string SchemaTest::load_error_;

SimulatorConfig Config() {
  SimulatorConfig c;
  c.versions = {"v3", "v4", "v5", "v6", "v7", "v8"};
  c.jobs = 6;
  c.sessions_per_job = 40;
  return c;
}

TEST_F(SchemaTest, EveryVersionsResponsesMatchTheOpenApiSchemas) {
  SimulatorProcess sim(Config());
  for (int v : {3, 4, 5, 6, 7, 8}) {
    SCOPED_TRACE("v" + std::to_string(v));
    const SchemaChecker& doc = Doc(v);
    const std::string p = "/v" + std::to_string(v);
    // Token response.
    HttpResult tok =
        sim.Post(p + "/Token",
                 "grant_type=password&username=EAST%5Csvc-monitor&password=" +
                     std::string("p%40ss%20%22w0rd%22%20%5C%20%C3%BC") +
                     (v >= 7 ? "&disable_antiforgery_token=true" : ""),
                 "application/x-www-form-urlencoded");
    ASSERT_EQ(tok.status, 200) << tok.body;
    json t = json::parse(tok.body);
    EXPECT_EQ(Join(doc.Check(t, "OAuthTokenResponse")), "");
    const std::string token = t["access_token"];

    HttpResult si = sim.Get(p + "/ServiceInstance", token);
    ASSERT_EQ(si.status, 200);
    EXPECT_EQ(Join(doc.Check(json::parse(si.body), "RESTServiceInstance")), "");

    HttpResult jobs = sim.Get(p + "/Jobs", token);
    ASSERT_EQ(jobs.status, 200);
    json jj = json::parse(jobs.body);
    if (v >= 8) {
      EXPECT_EQ(Join(doc.Check(jj, "PageOfRESTJob")), "");
      jj = jj["results"];
    } else {
      ASSERT_TRUE(jj.is_array());
      for (const json& j : jj) EXPECT_EQ(Join(doc.Check(j, "RESTJob")), "");
    }
    ASSERT_EQ(jj.size(), 6u);
    for (const json& j : jj) {
      EXPECT_EQ(j.contains("organizationId"), v >= 8);
      EXPECT_EQ(j.contains("lastBackup"), v >= 7);
    }

    for (const json& job : jj) {
      const std::string id = job["id"];
      const std::string path =
          v <= 6 ? p + "/Jobs/" + id + "/JobSessions?limit=10000"
                 : p + "/JobSessions?jobId=" + id + "&limit=10000";
      HttpResult r = sim.Get(path, token);
      ASSERT_EQ(r.status, 200) << path;
      json body = json::parse(r.body);
      json sessions;
      if (v >= 5) {
        EXPECT_EQ(Join(doc.Check(body, "PageOfRESTJobSession")), "");
        sessions = body["results"];
      } else {
        ASSERT_TRUE(body.is_array());
        for (const json& s : body)
          EXPECT_EQ(Join(doc.Check(s, "RESTJobSession")), "");
        sessions = body;
      }
      ASSERT_EQ(sessions.size(), 40u);
      for (const json& s : sessions) {
        EXPECT_EQ(s.contains("jobId"), v >= 8);
        EXPECT_EQ(s.contains("details"), v >= 6);
        EXPECT_EQ(s.contains("retryCount"), v >= 6);
        EXPECT_EQ(s.contains("jobWillBeRetried"), v >= 7);
        EXPECT_EQ(s.contains("jobSessionConfigType"), v >= 8);
        const std::string self = s["_links"]["self"]["href"];
        if (v <= 5) {
          EXPECT_EQ(self.rfind(sim.base_url() + p + "/", 0), 0u) << self;
        } else {
          EXPECT_EQ(self.rfind(p + "/", 0), 0u) << self;
        }
      }
    }

    // The error body of a missing job.
    HttpResult nf = sim.Get(
        v <= 6 ? p + "/Jobs/00000000-0000-0000-0000-000000000001/JobSessions"
               : p + "/JobSessions?jobId=00000000-0000-0000-0000-000000000001",
        token);
    ASSERT_EQ(nf.status, 404);
    json e = json::parse(nf.body);
    EXPECT_TRUE(e.contains("message"));
    if (v >= 6) {
      EXPECT_EQ(Join(doc.Check(e, "RESTExceptionInfo")), "");
    }
    if (v >= 8) {
      EXPECT_EQ(e["errorCode"], "ResourceNotFound");
    }
  }
}

// GET path with the token, 200, parsed.
json GetJson(const SimulatorProcess& sim, const std::string& path,
             const std::string& token) {
  HttpResult r = sim.Get(path, token);
  EXPECT_EQ(r.status, 200) << path << ": " << r.body;
  json j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << path;
  return j;
}

// A collection: a page (PageOfX) or an array of X; returns the elements.
json CheckCollection(const SchemaChecker& doc, const json& body, bool paged,
                     const std::string& item, const std::string& what) {
  if (paged) {
    EXPECT_EQ(Join(doc.Check(body, "PageOf" + item)), "") << what;
    return body.value("results", json::array());
  }
  EXPECT_TRUE(body.is_array()) << what;
  for (const json& x : body) EXPECT_EQ(Join(doc.Check(x, item)), "") << what;
  return body;
}

// Long function: one block per resource of issue 9, each a few checks.
TEST_F(SchemaTest, ServerResourcesOfEveryVersionMatchTheOpenApiSchemas) {
  SimulatorConfig c = Config();
  c.extra_args = {"--licensed-users", "250", "--repositories",  "7",
                  "--proxies",        "5",   "--organizations", "6"};
  SimulatorProcess sim(c);
  for (int v : {3, 5, 6, 7, 8}) {
    SCOPED_TRACE("v" + std::to_string(v));
    const SchemaChecker& doc = Doc(v);
    const std::string p = "/v" + std::to_string(v);
    const std::string token = sim.Login(v);
    const bool v8 = v >= 8;

    json lic = GetJson(sim, p + "/License", token);
    EXPECT_EQ(Join(doc.Check(lic, "RESTLicense")), "");
    EXPECT_EQ(lic.contains("licenseExpires"), v >= 7);
    EXPECT_EQ(lic.contains("expirationDate"), v < 7);

    json repos =
        CheckCollection(doc, GetJson(sim, p + "/BackupRepositories", token), v8,
                        "RESTBackupRepository", "repositories");
    ASSERT_EQ(repos.size(), 7u);
    EXPECT_EQ(repos[2].contains("objectStorage"), v8);
    EXPECT_EQ(repos[2].contains("objectStorageId"), !v8);

    json proxies = CheckCollection(doc, GetJson(sim, p + "/Proxies", token), v8,
                                   "RESTProxy", "proxies");
    ASSERT_EQ(proxies.size(), 5u);
    EXPECT_EQ(proxies[0].contains("maintenanceModeState"), v8);

    json orgs =
        CheckCollection(doc, GetJson(sim, p + "/Organizations", token), v8,
                        "RestOrganizationComposed", "organizations");
    ASSERT_EQ(orgs.size(), 6u);

    for (const json& o : orgs) {
      const std::string path =
          p + "/Organizations/" + o["id"].get<std::string>() + "/SyncState";
      if (v >= 7) {
        EXPECT_EQ(Join(doc.Check(GetJson(sim, path, token),
                                 "RESTOrganizationSyncState")),
                  "");
      } else {
        EXPECT_EQ(sim.Get(path, token).status, 404) << path;
      }
    }
    if (v8) {
      json all = GetJson(sim, p + "/Organizations/SyncState", token);
      ASSERT_TRUE(all.is_array());
      ASSERT_EQ(all.size(), 6u);
      for (const json& s : all)
        EXPECT_EQ(Join(doc.Check(s, "RESTOrganizationSyncState")), "");
    }

    HttpResult copy = sim.Get(p + "/CopyJobs", token);
    if (v < 6) {
      EXPECT_EQ(copy.status, 404);
    } else {
      json jobs = CheckCollection(doc, GetJson(sim, p + "/CopyJobs", token), v8,
                                  "RESTCopyJob", "copy jobs");
      ASSERT_EQ(jobs.size(), 3u);
      std::vector<std::string> paths;
      if (v == 6) {
        paths.push_back(p + "/JobSessions?jobType=Copy&limit=10000");
      } else {
        for (const json& j : jobs)
          paths.push_back(p + "/JobSessions?jobType=Copy&limit=10000&jobId=" +
                          j["id"].get<std::string>());
      }
      for (const std::string& path : paths) {
        json page = GetJson(sim, path, token);
        EXPECT_EQ(Join(doc.Check(page, "PageOfRESTJobSession")), "") << path;
        EXPECT_FALSE(page["results"].empty()) << path;
        for (const json& s : page["results"]) {
          if (v >= 7) {
            EXPECT_EQ(s["jobType"], "Copy");
          }
          const std::string job = s["_links"]["job"]["href"];
          EXPECT_NE(job.find("/CopyJobs/"), std::string::npos) << job;
        }
      }
    }

    json restores = GetJson(sim, p + "/RestoreSessions?limit=10000", token);
    EXPECT_EQ(Join(doc.Check(restores, "PageOfRESTRestoreSession")), "");
    EXPECT_EQ(restores["results"].size(), 8u);
    EXPECT_EQ(restores.contains("totalCount"), !v8);

    json users = GetJson(sim, p + "/LicensedUsers?limit=10000", token);
    EXPECT_EQ(Join(doc.Check(users, "PageOfRESTLicensedUser")), "");
    EXPECT_EQ(users["results"].size(), 250u);

    HttpResult health = sim.Get(p + "/Health");
    if (v8) {
      ASSERT_EQ(health.status, 200);
      EXPECT_EQ(Join(doc.Check(json::parse(health.body), "RESTHealthReport")),
                "");
    } else {
      EXPECT_EQ(health.status, 404);
    }
  }
}

TEST_F(SchemaTest, CheckerFollowsNullableAllOfReferences) {
  const SchemaChecker& doc = Doc(8);
  json s = {{"organizationId", "067ab6a5-0d4a-4528-8ba8-f8e7a53eeb63"},
            {"lastSyncState", nullptr}};
  EXPECT_EQ(Join(doc.Check(s, "RESTOrganizationSyncState")), "");
  s["lastSyncState"] = {{"result", "Partial"}};
  EXPECT_NE(Join(doc.Check(s, "RESTOrganizationSyncState")), "");
}

TEST_F(SchemaTest, CheckerRejectsWrongTypesUnknownFieldsAndEnumValues) {
  // The checker itself must catch what it is there to catch.
  const SchemaChecker& doc = Doc(8);
  json s = json::parse(GenerateSessionsBody(1, 3, 8).body)["results"][0];
  EXPECT_EQ(Join(doc.Check(s, "RESTJobSession")), "");
  json bad = s;
  bad["statistics"]["transferredDataBytes"] = "12";
  EXPECT_NE(Join(doc.Check(bad, "RESTJobSession")), "");
  bad = s;
  bad["bogusField"] = 1;
  EXPECT_NE(Join(doc.Check(bad, "RESTJobSession")), "");
  bad = s;
  bad["statistics"]["bottleneck"] = "Proxy";
  EXPECT_NE(Join(doc.Check(bad, "RESTJobSession")), "");
  bad = s;
  bad["creationTime"] = nullptr;
  EXPECT_NE(Join(doc.Check(bad, "RESTJobSession")), "");
}

}  // namespace
}  // namespace vb365::sim
