// `steward status` on /status documents as lib/reconcile/status_report.cpp writes them: the source
// line's columns for a ready, failing, suspended, waiting and unloadable source, the objects that
// need attention, the exit code, and documents that are not a status.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <sstream>
#include <string>
#include <vector>

#include "status_table.hpp"

using namespace steward::cmd;

namespace {

constexpr const char* kTime = "2026-12-07T17:25:21.699Z";

// One source of a /status document: 3 objects in sync and Current, last applied 12 s before
// kTime; `fields` (JSON members, comma first) replace or add members.
std::string source(const std::string& name, const std::string& fields = "") {
  const std::string base =
      R"({"name":")" + name + R"(","path":"/x/)" + name +
      R"(","suspended":false,"waitingFor":null,"pruneRefused":false,)"
      R"("load":{"loaded":true,"lastLoadOK":true,"lastLoad":"2026-12-07T17:25:10.000Z",)"
      R"("lastSuccess":"2026-12-07T17:25:10.000Z","errors":[]},)"
      R"("ready":true,"health":"Current","objects":3,"byHealth":{"Current":3},)"
      R"("bySync":{"InSync":3},"lastApplied":"2026-12-07T17:25:09.500Z","attention":[]})";
  rapidjson::Document doc;
  doc.Parse(base.c_str());
  rapidjson::Document more(&doc.GetAllocator());
  more.Parse(("{" + (fields.empty() ? "" : fields.substr(1)) + "}").c_str());
  REQUIRE(!more.HasParseError());
  for (auto& member : more.GetObject()) {
    doc.RemoveMember(member.name.GetString());
    doc.AddMember(rapidjson::Value(member.name, doc.GetAllocator()),
                  rapidjson::Value(member.value, doc.GetAllocator()), doc.GetAllocator());
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return buffer.GetString();
}

std::string document(bool ready, const std::vector<std::string>& sources) {
  std::string out = R"({"apiVersion":"steward.dev/v1alpha1","kind":"Status","time":")" +
                    std::string(kTime) + R"(","ready":)" + (ready ? "true" : "false") +
                    R"(,"sources":[)";
  for (std::size_t i = 0; i < sources.size(); ++i) out += (i ? "," : "") + sources[i];
  return out + "]}";
}

StatusDocument parsed(const std::string& body) {
  std::string error;
  auto status = parse_status(body, error);
  INFO(error);
  REQUIRE(status);
  return *status;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The cells of a table line: runs separated by at least two spaces ("LAST APPLIED" and
// "12s ago" are one cell each).
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < line.size()) {
    std::size_t end = line.find("  ", pos);
    if (end == std::string::npos) end = line.size();
    out.push_back(line.substr(pos, end - pos));
    pos = line.find_first_not_of(' ', end);
    if (pos == std::string::npos) break;
  }
  return out;
}

const std::string kFailedDeployment =
    R"({"group":"apps","kind":"Deployment","namespace":"web","name":"front","health":"Failed",)"
    R"("reason":"ProgressDeadlineExceeded","message":"ReplicaSet \"front-5d\" has timed out progressing.",)"
    R"("sync":"InSync","result":"in_sync","error":""})";
const std::string kFailingConfigMap =
    R"({"group":"","kind":"ConfigMap","namespace":"web","name":"settings","health":"NotFound",)"
    R"("reason":"","message":"","sync":"Failing","result":"permanent_error",)"
    R"("error":"422 Invalid: data.x: Invalid value"})";

}  // namespace

TEST_CASE("a ready source: one line, True, its health, Applied N objects, age from the document's time, exit 0") {
  const auto status = parsed(document(true, {source("apps")}));
  const auto out = lines(status_table(status));
  REQUIRE(out.size() == 2);
  CHECK(cells(out[0]) == std::vector<std::string>{"NAME", "READY", "STATUS", "OBJECTS", "DRIFTED",
                                                  "FAILED", "LAST APPLIED", "MESSAGE"});
  CHECK(cells(out[1]) == std::vector<std::string>{"apps", "True", "Current", "3", "0", "0",
                                                  "12s ago", "Applied 3 objects"});
  CHECK(status_exit_code(status) == 0);
}

TEST_CASE("a Failed object and a failing reconcile: FAILED counts both, the object table names them, exit 1") {
  const auto status = parsed(document(
      false, {source("web", R"(,"ready":false,"health":"Failed","objects":4,)"
                            R"("byHealth":{"Current":2,"Failed":1,"NotFound":1},)"
                            R"("bySync":{"InSync":2,"Drifted":1,"Failing":1},"attention":[)" +
                                kFailingConfigMap + "," + kFailedDeployment + "]")}));
  const auto out = lines(status_table(status));
  REQUIRE(out.size() == 6);
  CHECK(cells(out[1]) ==
        std::vector<std::string>{"web", "False", "Failed", "4", "1", "2", "12s ago",
                                 "ConfigMap web/settings Failing: permanent_error: 422 Invalid: "
                                 "data.x: Invalid value (and 1 more)"});
  CHECK(out[2].empty());
  CHECK(cells(out[3]) == std::vector<std::string>{"SOURCE", "KIND", "NAMESPACE/NAME", "HEALTH",
                                                  "SYNC", "REASON", "MESSAGE"});
  CHECK(cells(out[4]) == std::vector<std::string>{"web", "ConfigMap", "web/settings", "NotFound",
                                                  "Failing", "permanent_error",
                                                  "422 Invalid: data.x: Invalid value"});
  CHECK(cells(out[5]) ==
        std::vector<std::string>{"web", "Deployment", "web/front", "Failed", "InSync",
                                 "ProgressDeadlineExceeded",
                                 "ReplicaSet \"front-5d\" has timed out progressing."});
  CHECK(status_exit_code(status) == 1);
}

TEST_CASE("columns are aligned, three spaces apart, with no trailing blanks") {
  const auto status = parsed(document(
      false, {source("a-long-source-name"),
              source("b", R"(,"ready":false,"health":"Failed","attention":[)" + kFailedDeployment +
                              "]")}));
  const auto out = lines(status_table(status));
  REQUIRE(out.size() >= 3);
  const std::size_t ready = out[0].find("READY");
  CHECK(ready == std::string("a-long-source-name").size() + 3);
  CHECK(out[1].substr(ready, 4) == "True");
  CHECK(out[2].substr(ready, 5) == "False");
  const std::size_t message = out[0].find("MESSAGE");
  CHECK(out[1].substr(message, 7) == "Applied");
  CHECK(out[2].substr(message, 10) == "Deployment");
  for (const auto& line : out) CHECK((line.empty() || line.back() != ' '));
}

TEST_CASE("a suspended source: STATUS Suspended, and steward may still be ready") {
  const auto status = parsed(document(
      true, {source("paused", R"(,"suspended":true,"ready":false,"lastApplied":null)")}));
  const auto out = lines(status_table(status));
  REQUIRE(out.size() == 2);
  CHECK(cells(out[1]) == std::vector<std::string>{"paused", "False", "Suspended", "3", "0", "0",
                                                  "never",
                                                  "suspended: nothing is applied or pruned"});
  CHECK(status_exit_code(status) == 0);
}

TEST_CASE("a source waiting for its dependsOn: STATUS Waiting for it, the MESSAGE says why, its objects are not FAILED") {
  const auto status = parsed(document(
      false, {source("app", R"(,"waitingFor":"base","ready":false,"health":"NotFound",)"
                            R"("objects":1,"byHealth":{"NotFound":1},"bySync":{"Pending":1},)"
                            R"("lastApplied":null,"attention":[{"group":"","kind":"ConfigMap",)"
                            R"("namespace":"app","name":"a","health":"NotFound","reason":"",)"
                            R"("message":"","sync":"Failing","result":"waiting",)"
                            R"("error":"waiting for source base (dependsOn): not in sync and Current"}])")}));
  const auto out = lines(status_table(status));
  REQUIRE(out.size() == 5);
  // An object that waits is not a failure: FAILED stays 0.
  CHECK(cells(out[1]) ==
        std::vector<std::string>{"app", "False", "Waiting for base", "1", "0", "0", "never",
                                 "dependsOn: waiting for source base to be in sync and Current"});
  CHECK(cells(out[4]) ==
        std::vector<std::string>{"app", "ConfigMap", "app/a", "NotFound", "Failing", "waiting",
                                 "waiting for source base (dependsOn): not in sync and Current"});
  CHECK(status_exit_code(status) == 1);
}

TEST_CASE("a source whose latest load failed: MESSAGE is its first error, with how many more") {
  const auto status = parsed(document(
      false, {source("bad", R"(,"load":{"loaded":true,"lastLoadOK":false,"lastLoad":null,)"
                            R"("lastSuccess":null,"errors":["a.yaml:3:7: unknown kind","b.yaml:1:1: x"]})")}));
  const auto out = lines(status_table(status));
  REQUIRE(out.size() == 2);
  CHECK(cells(out[1]).back() ==
        "load failed: a.yaml:3:7: unknown kind (and 1 more); the last good state stays in force");
  const auto never = parsed(document(
      false, {source("new", R"(,"ready":false,"objects":0,"load":{"loaded":false,)"
                            R"("lastLoadOK":false,"lastLoad":null,"lastSuccess":null,"errors":[]})")}));
  CHECK(cells(lines(status_table(never))[1]).back() == "not loaded yet");
}

TEST_CASE("LAST APPLIED counts seconds, then minutes, hours and days") {
  const auto at = [](const std::string& last_applied) {
    const auto status = parsed(document(
        true, {source("s", R"(,"lastApplied":")" + last_applied + "\"")}));
    return cells(lines(status_table(status))[1])[6];
  };
  CHECK(at("2026-12-07T17:23:22.000Z") == "119s ago");
  CHECK(at("2026-12-07T17:22:21.000Z") == "3m ago");
  CHECK(at("2026-12-07T12:25:21.699Z") == "5h ago");
  CHECK(at("2026-12-04T17:25:21.699Z") == "3d ago");
  CHECK(at("2026-12-07T17:30:00.000Z") == "0s ago");  // a clock ahead of steward's
}

TEST_CASE("FAILED adds the counts when attention lists only some of the objects") {
  std::string attention;
  for (std::size_t i = 0; i < kStatusAttentionLimit; ++i) {
    attention += (i ? "," : "") + kFailedDeployment;
  }
  const auto status = parsed(document(
      false, {source("big", R"(,"ready":false,"objects":150,"byHealth":{"Failed":120,"Current":30},)"
                            R"("bySync":{"Failing":40,"InSync":110},"attention":[)" +
                                attention + "]")}));
  CHECK(failed_objects(status.sources[0]) == 150);  // 160 at most, never more than the objects
}

TEST_CASE("no sources: says so, and the exit code follows ready") {
  const auto status = parsed(document(true, {}));
  CHECK(status_table(status) == "no sources\n");
  CHECK(status_exit_code(status) == 0);
}

TEST_CASE("documents that are not a status are refused, naming what is wrong") {
  std::string error;
  CHECK_FALSE(parse_status("404 page not found\n", error));
  CHECK(error.starts_with("not JSON"));
  CHECK_FALSE(parse_status(R"({"kind":"Other"})", error));
  CHECK(error == R"(kind is "Other", not "Status")");
  CHECK_FALSE(parse_status(R"({"kind":"Status","time":"x","ready":"yes","sources":[]})", error));
  CHECK(error == "ready is not true or false");
  std::string missing = source("s");
  missing.replace(missing.find(R"("objects":3)"), 11, R"("objects":"3")");
  CHECK_FALSE(parse_status(document(true, {missing}), error));
  CHECK(error == "sources[0].objects is not a count");
}

TEST_CASE("the json output is the document as received, indented") {
  CHECK(pretty_json(R"({"kind":"Status","sources":[]})") ==
        "{\n  \"kind\": \"Status\",\n  \"sources\": []\n}\n");
}
