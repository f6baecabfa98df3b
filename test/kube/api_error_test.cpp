#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "kube/api_error.hpp"

using namespace std::chrono_literals;
using namespace steward::kube;

namespace {

// A response body recorded from a real kube-apiserver 1.20 (testdata/README.md).
std::string body(const char* name) {
  std::ifstream in(std::string(STEWARD_KUBE_TESTDATA) + "/" + name, std::ios::binary);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("Status 404 NotFound from a GET of a missing object") {
  const auto e = ApiError::from_response(404, body("09-not-found.json"));
  CHECK(e.code() == 404);
  CHECK(e.reason() == Reason::NotFound);
  CHECK(e.reason_string() == "NotFound");
  CHECK(e.message() == "configmaps \"nope\" not found");
  CHECK(e.details().name == "nope");
  CHECK(e.details().kind == "configmaps");
  CHECK(e.is_not_found());
  CHECK_FALSE(e.is_conflict());
  CHECK_FALSE(e.retryable());
  CHECK_FALSE(e.transient_for_reconcile());
  CHECK(e.to_string() == "404 NotFound: configmaps \"nope\" not found");
}

TEST_CASE("Status 404 for a missing namespace is transient for reconciling") {
  const auto e = ApiError::from_response(404, body("10-namespace-not-found.json"));
  CHECK(e.is_not_found());
  CHECK(e.details().kind == "namespaces");
  CHECK(e.details().name == "nosuchns");
  CHECK_FALSE(e.retryable());
  CHECK(e.transient_for_reconcile());
}

TEST_CASE("a text/plain 404 (unserved group/version) still yields NotFound, and is permanent") {
  const auto e = ApiError::from_response(404, body("33-unknown-kind-404.txt"));
  CHECK(e.code() == 404);
  CHECK(e.reason() == Reason::NotFound);
  CHECK(e.message() == "the server could not find the requested resource (404 page not found)");
  CHECK(e.is_not_found());
  CHECK_FALSE(e.transient_for_reconcile());
}

TEST_CASE("Status 409 AlreadyExists is not a conflict") {
  const auto e = ApiError::from_response(409, body("08-already-exists.json"));
  CHECK(e.reason() == Reason::AlreadyExists);
  CHECK(e.is_already_exists());
  CHECK_FALSE(e.is_conflict());
  CHECK(e.message() == "configmaps \"a\" already exists");
  CHECK_FALSE(e.retryable());
}

TEST_CASE("Status 409 Conflict: stale resourceVersion, failed precondition, apply conflict") {
  for (const char* name : {"11-conflict-stale-rv.json", "19-delete-precondition-conflict.json",
                           "16-apply-conflict.json"}) {
    INFO(name);
    const auto e = ApiError::from_response(409, body(name));
    CHECK(e.reason() == Reason::Conflict);
    CHECK(e.is_conflict());
    CHECK_FALSE(e.retryable());  // the same request would fail the same way
    CHECK(e.transient_for_reconcile());
  }
  const auto apply = ApiError::from_response(409, body("16-apply-conflict.json"));
  REQUIRE(apply.details().causes.size() == 1);
  CHECK(apply.details().causes[0].reason == "FieldManagerConflict");
  CHECK(apply.details().causes[0].field == ".spec.replicas");
  CHECK(apply.details().causes[0].message == "conflict with \"kubectl-edit\" using apps/v1");
  CHECK(apply.details().name.empty());
}

TEST_CASE("Status 422 Invalid carries its causes and is permanent") {
  const auto e = ApiError::from_response(422, body("12-invalid-name.json"));
  CHECK(e.reason() == Reason::Invalid);
  CHECK(e.is_invalid());
  CHECK(e.details().kind == "ConfigMap");
  CHECK(e.details().name == "Bad_Name");
  REQUIRE(e.details().causes.size() == 1);
  CHECK(e.details().causes[0].reason == "FieldValueInvalid");
  CHECK(e.details().causes[0].field == "metadata.name");
  CHECK_THAT(e.details().causes[0].message, Catch::StartsWith("Invalid value: \"Bad_Name\""));
  CHECK_FALSE(e.retryable());
  CHECK_FALSE(e.transient_for_reconcile());
}

TEST_CASE("Status 410 Expired for a too-old continue token is gone") {
  const auto e = ApiError::from_response(410, body("23-continue-expired.json"));
  CHECK(e.code() == 410);
  CHECK(e.reason() == Reason::Expired);
  CHECK(e.is_gone());
  CHECK_FALSE(e.retryable());
  CHECK(e.transient_for_reconcile());
}

TEST_CASE("a watch ERROR event's Status (inside a 200 stream) is gone") {
  rapidjson::Document event;
  const std::string line = body("22-watch-error-expired.json");
  event.Parse(line.c_str());
  REQUIRE(event.IsObject());
  const auto e = ApiError::from_status(event["object"], 200);
  REQUIRE(e);
  CHECK(e->code() == 410);
  CHECK(e->reason() == Reason::Expired);
  CHECK(e->message() == "too old resource version: 1 (198)");
  CHECK(e->is_gone());

  rapidjson::Document not_status;
  not_status.Parse(R"({"kind":"ConfigMap"})");
  CHECK_FALSE(ApiError::from_status(not_status));
  not_status.Parse(R"({"kind":"Status","status":"Success","code":200})");
  CHECK_FALSE(ApiError::from_status(not_status));
}

TEST_CASE("Status 401 Unauthorized is permanent") {
  const auto e = ApiError::from_response(401, body("25-unauthorized.json"));
  CHECK(e.reason() == Reason::Unauthorized);
  CHECK(e.is_unauthorized());
  CHECK(e.message() == "Unauthorized");
  CHECK_FALSE(e.retryable());
  CHECK_FALSE(e.transient_for_reconcile());
}

TEST_CASE("bodies that are not a Status get a reason derived from the HTTP code") {
  struct Case {
    int code;
    Reason reason;
    bool retryable;
  };
  for (const Case c : {Case{400, Reason::BadRequest, false}, Case{401, Reason::Unauthorized, false},
                       Case{403, Reason::Forbidden, false}, Case{404, Reason::NotFound, false},
                       Case{405, Reason::MethodNotAllowed, false}, Case{409, Reason::Conflict, false},
                       Case{410, Reason::Gone, false}, Case{422, Reason::Invalid, false},
                       Case{429, Reason::TooManyRequests, true},
                       Case{500, Reason::InternalError, true}, Case{501, Reason::InternalError, false},
                       Case{502, Reason::InternalError, true},
                       Case{503, Reason::ServiceUnavailable, true}, Case{504, Reason::Timeout, true},
                       Case{418, Reason::Unknown, false}}) {
    INFO(c.code);
    for (const char* b : {"", "<html><body>Bad Gateway</body></html>", "{\"kind\":\"Pod\"}",
                          "{not json"}) {
      INFO(b);
      const auto e = ApiError::from_response(c.code, b);
      CHECK(e.code() == c.code);
      CHECK(e.reason() == c.reason);
      CHECK(e.reason_string() == to_string(c.reason));
      CHECK(e.retryable() == c.retryable);
      CHECK_FALSE(e.message().empty());
    }
  }
  CHECK(ApiError::from_response(409, "", std::nullopt, "POST").reason() == Reason::AlreadyExists);
  CHECK(ApiError::from_response(418, "").message() ==
        "the server responded with the status code 418 but did not return more information");
}

TEST_CASE("Retry-After comes from the header, else from the Status details") {
  const std::string throttled =
      R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"slow down",)"
      R"("reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429})";
  auto e = ApiError::from_response(429, throttled);
  CHECK(e.is_too_many_requests());
  CHECK(e.retry_after() == 3s);
  e = ApiError::from_response(429, throttled, "7");
  CHECK(e.retry_after() == 7s);
  e = ApiError::from_response(503, "", " 2 ");
  CHECK(e.retry_after() == 2s);
  e = ApiError::from_response(503, "", "Wed, 21 Oct 2015 07:28:00 GMT");  // date form: ignored
  CHECK_FALSE(e.retry_after());
  CHECK_FALSE(ApiError::from_response(500, "").retry_after());
}

TEST_CASE("a Status with unknown reason or no code keeps the text and falls back to HTTP") {
  auto e = ApiError::from_response(
      500, R"({"kind":"Status","status":"Failure","reason":"ServerTimeout","message":"m"})");
  CHECK(e.code() == 500);
  CHECK(e.reason() == Reason::Unknown);
  CHECK(e.reason_string() == "ServerTimeout");
  CHECK(e.retryable());
  e = ApiError::from_response(403, R"({"kind":"Status","status":"Failure","code":403})");
  CHECK(e.reason() == Reason::Forbidden);
  CHECK(e.is_forbidden());
  CHECK_FALSE(e.transient_for_reconcile());
}

TEST_CASE("a transport failure has no code and is retryable") {
  const auto e = ApiError::transport_failure("connection refused");
  CHECK(e.is_transport_failure());
  CHECK(e.code() == 0);
  CHECK(e.retryable());
  CHECK(e.transient_for_reconcile());
  CHECK(e.to_string() == "no response: connection refused");
}

TEST_CASE("a passed deadline is a transport failure that says it timed out") {
  const auto e = ApiError::timeout("GET /api: timed out (request deadline 500 ms)");
  CHECK(e.is_transport_failure());
  CHECK(e.is_timeout());
  CHECK_FALSE(e.is_circuit_open());
  CHECK(e.retryable());
  CHECK_FALSE(ApiError::transport_failure("connection refused").is_timeout());
}

TEST_CASE("reasons round-trip through their names") {
  for (Reason r : {Reason::NotFound, Reason::AlreadyExists, Reason::Conflict, Reason::Invalid,
                   Reason::Forbidden, Reason::Unauthorized, Reason::Expired, Reason::Gone,
                   Reason::TooManyRequests, Reason::InternalError, Reason::ServiceUnavailable,
                   Reason::Timeout, Reason::BadRequest, Reason::MethodNotAllowed}) {
    CHECK(parse_reason(to_string(r)) == r);
  }
  CHECK(parse_reason("SomethingNew") == Reason::Unknown);
  CHECK(to_string(Reason::Unknown) == "Unknown");
}

TEST_CASE("a write's result for audit lines: the status and success, or the code and the reason") {
  CHECK(write_result(std::nullopt, 201).code == 201);
  CHECK(write_result(std::nullopt, 201).result == "success");
  const auto conflict = ApiError::from_response(
      409, R"({"kind":"Status","status":"Failure","reason":"Conflict","code":409})");
  CHECK(write_result(conflict, 0).code == 409);
  CHECK(write_result(conflict, 0).result == "Conflict");
  CHECK(write_result(ApiError::transport_failure("reset"), 0).code == 0);
  CHECK(write_result(ApiError::transport_failure("reset"), 0).result == "Network");
  CHECK(reason_label(ApiError::from_response(500, "oops")) == "InternalError");
}
