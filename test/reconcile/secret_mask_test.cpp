// SecretMask: what `steward diff` shows of a Secret's data and stringData, as `kubectl diff` does.

#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "kube/object.hpp"
#include "reconcile/object_diff.hpp"
#include "reconcile/secret_mask.hpp"
#include "support/json.hpp"

using steward::reconcile::SecretMask;
using steward::test::parse_json;

namespace {

// A core-group object of `kind` named db, with `fields` added ("" for none).
std::string object(const std::string& kind, const std::string& fields) {
  return R"j({"apiVersion":"v1","kind":")j" + kind + R"j(","metadata":{"name":"db"})j" +
         (fields.empty() ? std::string() : "," + fields) + "}";
}

std::string secret(const std::string& fields) { return object("Secret", fields); }

std::string side(const rapidjson::Value* value) {
  return value ? steward::kube::to_json(*value) : "none";
}

}  // namespace

TEST_CASE("a Secret's values are masked on both sides, keys kept, changes marked as such") {
  struct Row {
    const char* what;
    std::optional<std::string> before, after;  // nullopt: that side is missing
    std::string masked_before, masked_after;
  };
  const Row rows[] = {
      {"equal values", secret(R"j("data":{"password":"cHc="})j"),
       secret(R"j("data":{"password":"cHc="})j"), secret(R"j("data":{"password":"***"})j"),
       secret(R"j("data":{"password":"***"})j")},
      {"a changed value", secret(R"j("data":{"password":"cHc=","user":"dQ=="})j"),
       secret(R"j("data":{"password":"cHcy","user":"dQ=="})j"),
       secret(R"j("data":{"password":"*** (before)","user":"***"})j"),
       secret(R"j("data":{"password":"*** (after)","user":"***"})j")},
      {"an added key", secret(R"j("data":{"a":"YQ=="})j"),
       secret(R"j("data":{"a":"YQ==","b":"Yg=="})j"),
       secret(R"j("data":{"a":"***"})j"), secret(R"j("data":{"a":"***","b":"***"})j")},
      {"a removed key", secret(R"j("data":{"a":"YQ==","b":"Yg=="})j"),
       secret(R"j("data":{"a":"YQ=="})j"),
       secret(R"j("data":{"a":"***","b":"***"})j"), secret(R"j("data":{"a":"***"})j")},
      {"data on one side only", secret(""), secret(R"j("data":{"a":"YQ=="})j"), secret(""),
       secret(R"j("data":{"a":"***"})j")},
      {"a create: no before", std::nullopt, secret(R"j("data":{"a":"YQ=="},"type":"Opaque")j"),
       "none", secret(R"j("data":{"a":"***"},"type":"Opaque")j")},
      {"a prune: no after", secret(R"j("data":{"a":"YQ=="})j"), std::nullopt,
       secret(R"j("data":{"a":"***"})j"), "none"},
      {"stringData", secret(R"j("stringData":{"a":"x","b":"y"},"data":{"c":"Yw=="})j"),
       secret(R"j("stringData":{"a":"z","b":"y"},"data":{"c":"Yw=="})j"),
       secret(R"j("stringData":{"a":"*** (before)","b":"***"},"data":{"c":"***"})j"),
       secret(R"j("stringData":{"a":"*** (after)","b":"***"},"data":{"c":"***"})j")},
      {"a ConfigMap's data", object("ConfigMap", R"j("data":{"a":"x"})j"),
       object("ConfigMap", R"j("data":{"a":"y"})j"), object("ConfigMap", R"j("data":{"a":"x"})j"),
       object("ConfigMap", R"j("data":{"a":"y"})j")},
      {"a Secret kind of another group",
       R"j({"apiVersion":"example.com/v1","kind":"Secret","data":{"a":"x"}})j",
       R"j({"apiVersion":"example.com/v1","kind":"Secret","data":{"a":"y"}})j",
       R"j({"apiVersion":"example.com/v1","kind":"Secret","data":{"a":"x"}})j",
       R"j({"apiVersion":"example.com/v1","kind":"Secret","data":{"a":"y"}})j"},
      {"a Deployment", R"j({"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":2}})j",
       std::nullopt, R"j({"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":2}})j",
       "none"},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    std::optional<rapidjson::Document> before, after;
    if (row.before) before = parse_json(*row.before);
    if (row.after) after = parse_json(*row.after);
    const SecretMask sides(before ? &*before : nullptr, after ? &*after : nullptr);
    CHECK(side(sides.before()) == row.masked_before);
    CHECK(side(sides.after()) == row.masked_after);
    // The inputs are left as they were: they are the desired state's and the live objects.
    if (row.before) CHECK(side(&*before) == steward::kube::to_json(parse_json(*row.before)));
    if (row.after) CHECK(side(&*after) == steward::kube::to_json(parse_json(*row.after)));
  }
}

TEST_CASE("a masked Secret's diff shows the changed key but neither value") {
  const auto live = parse_json(secret(R"j("data":{"password":"cGxhaW4="})j"));
  const auto desired = parse_json(secret(R"j("data":{"password":"b3RoZXI="})j"));
  const SecretMask sides(&live, &desired);
  const std::string diff =
      steward::reconcile::object_diff(sides.before(), sides.after(), "live/x", "desired/x");
  CHECK(diff ==
        "--- live/x\n"
        "+++ desired/x\n"
        "@@ -1,6 +1,6 @@\n"
        " apiVersion: v1\n"
        " data:\n"
        "-  password: \"*** (before)\"\n"
        "+  password: \"*** (after)\"\n"
        " kind: Secret\n"
        " metadata:\n"
        "   name: db\n");
}

TEST_CASE("a Secret's desired-hash annotation, a hash of its values, is masked like them") {
  const auto with_hash = [](const std::string& hash) {
    return R"j({"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","annotations":)j"
           R"j({"steward.dev/source":"s","steward.dev/desired-hash":")j" + hash +
           R"j("}},"data":{"a":"YQ=="}})j";
  };
  const auto masked = [&](const std::string& hash) {
    return R"j({"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","annotations":)j"
           R"j({"steward.dev/source":"s","steward.dev/desired-hash":")j" + hash +
           R"j("}},"data":{"a":"***"}})j";
  };
  const auto before = parse_json(with_hash("0123"));
  const auto changed = parse_json(with_hash("4567"));
  const SecretMask mask(&before, &changed);
  CHECK(side(mask.before()) == steward::kube::to_json(parse_json(masked("*** (before)"))));
  CHECK(side(mask.after()) == steward::kube::to_json(parse_json(masked("*** (after)"))));
  const SecretMask same(&before, &before);
  CHECK(side(same.after()) == steward::kube::to_json(parse_json(masked("***"))));
  // A ConfigMap's hash is no secret.
  const auto config_map = parse_json(
      R"j({"apiVersion":"v1","kind":"ConfigMap","metadata":{"annotations":{"steward.dev/desired-hash":"0123"}}})j");
  const SecretMask plain(&config_map, &config_map);
  CHECK(side(plain.after()) == steward::kube::to_json(config_map));
}

TEST_CASE("a Secret's ignored-digests annotation, digests of ignored values, is masked like them") {
  const auto with_digests = [](const std::string& digests) {
    return R"j({"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","annotations":)j"
           R"j({"steward.dev/ignored-digests":")j" + digests + R"j("}},"data":{"a":"YQ=="}})j";
  };
  const auto before = parse_json(with_digests(R"j({\"/data/a\":\"d4735e3a265e\"})j"));
  const auto after = parse_json(with_digests(R"j({\"/data/a\":\"4e07408562be\"})j"));
  const SecretMask mask(&before, &after);
  CHECK(side(mask.before()).find("d4735e3a265e") == std::string::npos);
  CHECK(side(mask.after()).find("4e07408562be") == std::string::npos);
  CHECK(side(mask.after()).find("*** (after)") != std::string::npos);
}
