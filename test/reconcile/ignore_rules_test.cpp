// Ignore rules (issue 18): which fields a rule ignores, what the apply body carries for each, and
// that plan()'s drift rule agrees with that body.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "reconcile/ignore_rules.hpp"
#include "reconcile/ownership.hpp"
#include "reconcile/plan.hpp"

using namespace steward;
using reconcile::Action;
using reconcile::ApplyMemo;
using reconcile::IgnoreRule;
using reconcile::LiveLookup;
using reconcile::PlanPolicy;
using reconcile::Step;
using reconcile::Treatment;

namespace {

const kube::ResourceType kDeployments{"apps", "v1", "deployments", "Deployment", true};
const desired::ObjectKey kKey{"apps", "Deployment", "team", "web"};

std::shared_ptr<kube::Object> parse(const std::string& text) {
  auto out = std::make_shared<kube::Object>();
  out->Parse(text.c_str());
  REQUIRE_FALSE(out->HasParseError());
  return out;
}

std::string deployment(int replicas, const std::string& image) {
  return R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"team",)"
         R"("labels":{"app":"web"}},"spec":{"replicas":)" +
         std::to_string(replicas) +
         R"(,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},)"
         R"("spec":{"containers":[{"name":"web","image":")" +
         image + R"("}]}}}})";
}

desired::DesiredObjectPtr desired_deployment(int replicas, const std::string& image = "nginx:1") {
  desired::DesiredObject d{.object = parse(deployment(replicas, image)), .key = kKey, .source = "apps"};
  desired::make_body(d, "");
  return std::make_shared<desired::DesiredObject>(std::move(d));
}

// steward's Apply of everything in the manifest.
constexpr const char* kStewardOwnsAll =
    R"({"manager":"steward","operation":"Apply","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}},)"
    R"("f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:spec":{"f:containers":{}}}}}})";
// steward's Apply without spec.replicas: an Update took it.
constexpr const char* kStewardWithoutReplicas =
    R"({"manager":"steward","operation":"Apply","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}},)"
    R"("f:spec":{"f:selector":{},"f:template":{"f:spec":{"f:containers":{}}}}}})";
constexpr const char* kEditOwnsReplicas =
    R"({"manager":"kubectl-edit","operation":"Update","fieldsV1":{"f:spec":{"f:replicas":{}}}})";

// The live object steward's apply of `desired` (with the rules' annotation `digests`, if any)
// leaves, with `replicas` and these managedFields entries.
kube::ObjectPtr live_of(const desired::DesiredObject& desired, int replicas,
                        const std::vector<std::string>& entries, const std::string& digests = "") {
  auto live = kube::copy_object(*desired.body.object, 1024);
  auto& a = live->GetAllocator();
  if ((*live)["spec"].HasMember("replicas")) {
    (*live)["spec"]["replicas"] = replicas;
  } else {
    (*live)["spec"].AddMember("replicas", replicas, a);
  }
  (*live)["metadata"].AddMember("uid", "u-1", a);
  (*live)["metadata"].AddMember("resourceVersion", "7", a);
  (*live)["spec"].AddMember("revisionHistoryLimit", 10, a);  // a server default
  std::string managed = "[";
  for (std::size_t i = 0; i < entries.size(); ++i) managed += (i ? "," : "") + entries[i];
  managed += "]";
  rapidjson::Document m(&a);
  m.Parse(managed.c_str());
  (*live)["metadata"].AddMember("managedFields", rapidjson::Value(m, a), a);
  if (!digests.empty()) {
    (*live)["metadata"]["annotations"].AddMember(
        rapidjson::StringRef(reconcile::kIgnoredDigestsAnnotation.data()),
        rapidjson::Value(digests.c_str(), a), a);
  }
  return live;
}

IgnoreRule paths_rule(std::vector<std::string> paths, std::string kind = "Deployment") {
  IgnoreRule rule;
  rule.paths = std::move(paths);
  rule.target.kind = std::move(kind);
  return rule;
}

IgnoreRule managers_rule(std::vector<std::string> managers) {
  IgnoreRule rule;
  rule.managers = std::move(managers);
  return rule;
}

// plan() of `desired` against `live` (null: absent) under `rules`.
Action plan_with(const desired::DesiredObjectPtr& desired, kube::ObjectPtr live,
                 std::vector<IgnoreRule> rules) {
  const desired::DesiredState state;
  const ApplyMemo memo = ApplyMemo::of(desired);
  const LiveLookup lookup{.type = kDeployments, .synced = true, .object = std::move(live)};
  PlanPolicy policy;
  policy.ignore_rules = [rules](std::string_view) { return rules; };
  return reconcile::plan(
      {.key = kKey, .state = state, .desired = desired.get(), .live = lookup, .memo = &memo},
      policy);
}

std::string digests_of(const rapidjson::Value& body) {
  return std::string(
      kube::string_at(body, {"metadata", "annotations", reconcile::kIgnoredDigestsAnnotation}));
}

const rapidjson::Value* replicas_in(const rapidjson::Value& body) {
  const auto spec = body.FindMember("spec");
  if (spec == body.MemberEnd()) return nullptr;
  const auto found = spec->value.FindMember("replicas");
  return found == spec->value.MemberEnd() ? nullptr : &found->value;
}

// The record a body under the rule paths_rule({"/spec/replicas"}) carries for `replicas`.
std::string replicas_digest(int replicas) {
  rapidjson::Document d;
  d.SetInt(replicas);
  const IgnoreRule rules[] = {paths_rule({"/spec/replicas"})};
  return R"({"#rules":")" + reconcile::rules_digest(rules, *desired_deployment(replicas)->object) +
         R"(","/spec/replicas":")" + reconcile::ignored_digest(d) + R"("})";
}

// The record steward's create of `desired` under `rules` writes.
std::string record_of(const desired::DesiredObjectPtr& desired, std::vector<IgnoreRule> rules) {
  const Action create = plan_with(desired, nullptr, std::move(rules));
  REQUIRE(create.body);
  return digests_of(*create.body);
}

}  // namespace

TEST_CASE("ignore rules: a create sends the manifest's value and records its digest") {
  const auto desired = desired_deployment(2);
  const Action action = plan_with(desired, nullptr, {paths_rule({"/spec/replicas"})});
  REQUIRE(action.step == Step::kApply);
  CHECK_FALSE(action.exists);
  REQUIRE(action.body);
  REQUIRE(replicas_in(*action.body));
  CHECK(replicas_in(*action.body)->GetInt() == 2);
  CHECK(digests_of(*action.body) == replicas_digest(2));
  // The desired-hash is the manifest's, ignored fields included, and not of the digests.
  CHECK(reconcile::applied_hash(*action.body) == desired->body.hash);
}

TEST_CASE("ignore rules: a field another manager took by Update is left out and is not drift") {
  const auto desired = desired_deployment(2);
  const auto live = live_of(*desired, 5, {kStewardWithoutReplicas, kEditOwnsReplicas},
                            replicas_digest(2));
  SECTION("with the rule: in sync, and the rule is named") {
    const Action action = plan_with(desired, live, {paths_rule({"/spec/replicas"})});
    CHECK(action.step == Step::kNothing);
    REQUIRE(action.ignored.size() == 1);
    CHECK(action.ignored[0].pointer == "/spec/replicas");
    CHECK(action.ignored[0].treatment == Treatment::kOmit);
    CHECK(action.ignored[0].kept_from_write);
    CHECK(action.ignored[0].rule == "ignore[0] (paths /spec/replicas)");
  }
  SECTION("without it: drift at .spec.replicas") {
    const Action action = plan_with(desired, live, {});
    CHECK(action.step == Step::kApply);
    CHECK(action.detail == ".spec.replicas differs");
    CHECK_FALSE(action.body);
  }
  SECTION("a rule for another kind does not apply") {
    const Action action = plan_with(desired, live, {paths_rule({"/spec/replicas"}, "StatefulSet")});
    CHECK(action.step == Step::kApply);
    CHECK(action.ignored.empty());
  }
}

TEST_CASE("ignore rules: a manifest change elsewhere is applied without the ignored field") {
  const auto before = desired_deployment(2, "nginx:1");
  const auto live = live_of(*before, 5, {kStewardWithoutReplicas, kEditOwnsReplicas},
                            replicas_digest(2));
  const Action action =
      plan_with(desired_deployment(2, "nginx:2"), live, {paths_rule({"/spec/replicas"})});
  REQUIRE(action.step == Step::kApply);
  CHECK(action.exists);
  REQUIRE(action.body);
  CHECK(replicas_in(*action.body) == nullptr);  // left to kubectl-edit: not reset, not claimed
  CHECK(kube::string_at((*action.body)["spec"]["template"]["spec"]["containers"][0], {"image"}) ==
        "nginx:2");
  CHECK(digests_of(*action.body) == replicas_digest(2));
}

TEST_CASE("ignore rules: a field steward alone still owns is sent with its live value") {
  // Kubernetes 1.20's /scale writes leave ownership where it was: steward's Apply still owns
  // spec.replicas, and dropping it from the body would reset it to the default.
  const auto desired = desired_deployment(2);
  const auto live = live_of(*desired, 5, {kStewardOwnsAll}, replicas_digest(2));
  SECTION("in sync: nothing to write") {
    const Action action = plan_with(desired, live, {paths_rule({"/spec/replicas"})});
    CHECK(action.step == Step::kNothing);
    REQUIRE(action.ignored.size() == 1);
    CHECK(action.ignored[0].treatment == Treatment::kLive);
  }
  SECTION("a manifest change elsewhere sends the live value") {
    const Action action =
        plan_with(desired_deployment(2, "nginx:2"), live, {paths_rule({"/spec/replicas"})});
    REQUIRE(action.step == Step::kApply);
    REQUIRE(replicas_in(*action.body));
    CHECK(replicas_in(*action.body)->GetInt() == 5);
  }
  SECTION("steward sharing it with another manager leaves it out") {
    const Action action = plan_with(desired_deployment(2, "nginx:2"),
                                    live_of(*desired, 5, {kStewardOwnsAll, kEditOwnsReplicas},
                                            replicas_digest(2)),
                                    {paths_rule({"/spec/replicas"})});
    REQUIRE(action.step == Step::kApply);
    CHECK(replicas_in(*action.body) == nullptr);
  }
  SECTION("unknown ownership (no field sets cached) counts as steward's: the live value") {
    const Action action = plan_with(
        desired_deployment(2, "nginx:2"),
        live_of(*desired, 5, {R"({"manager":"steward","operation":"Apply"})"}),
        {paths_rule({"/spec/replicas"})});
    REQUIRE(action.step == Step::kApply);
    REQUIRE(replicas_in(*action.body));
    CHECK(replicas_in(*action.body)->GetInt() == 5);
  }
}

TEST_CASE("ignore rules: a manifest change of an ignored field is applied") {
  const auto before = desired_deployment(2);
  const auto after = desired_deployment(3);
  CHECK(after->body.hash != before->body.hash);  // the desired-hash covers ignored fields
  for (const char* owner : {kEditOwnsReplicas, kStewardOwnsAll}) {
    DYNAMIC_SECTION("owned by " << owner) {
      const auto live = live_of(*before, 5, {kStewardWithoutReplicas, owner}, replicas_digest(2));
      const Action action = plan_with(after, live, {paths_rule({"/spec/replicas"})});
      REQUIRE(action.step == Step::kApply);
      REQUIRE(action.ignored.size() == 1);
      CHECK(action.ignored[0].treatment == Treatment::kManifest);
      REQUIRE(replicas_in(*action.body));
      CHECK(replicas_in(*action.body)->GetInt() == 3);
      CHECK(digests_of(*action.body) == replicas_digest(3));
      // What that apply leaves (steward owns replicas 3, digest of 3) is in sync.
      const auto applied = live_of(*after, 3, {kStewardOwnsAll}, replicas_digest(3));
      CHECK(plan_with(after, applied, {paths_rule({"/spec/replicas"})}).step == Step::kNothing);
    }
  }
}

TEST_CASE("ignore rules: a managers rule ignores only what a listed manager owns") {
  const auto desired = desired_deployment(2, "nginx:1");
  auto live = live_of(*desired, 7, {kStewardWithoutReplicas, kEditOwnsReplicas},
                      record_of(desired, {managers_rule({"kubectl-edit"})}));
  SECTION("kubectl-edit's replicas are left, nothing else is") {
    const Action action = plan_with(desired, live, {managers_rule({"kubectl-edit"})});
    CHECK(action.step == Step::kNothing);
    REQUIRE(action.ignored.size() == 1);
    CHECK(action.ignored[0].pointer == "/spec/replicas");
    CHECK(action.ignored[0].rule == "ignore[0] (managers kubectl-edit)");
  }
  SECTION("another manager's field is not theirs to keep") {
    live = live_of(*desired, 7, {kStewardWithoutReplicas, kEditOwnsReplicas},
                   record_of(desired, {managers_rule({"kube-controller-manager"})}));
    const Action action = plan_with(desired, live, {managers_rule({"kube-controller-manager"})});
    CHECK(action.step == Step::kApply);
    CHECK(action.detail == ".spec.replicas differs");
    CHECK(action.ignored.empty());
  }
  SECTION("a keyed list another manager has an item field of is not ignored whole") {
    const auto theirs = live_of(
        *desired, 2,
        {kStewardOwnsAll,
         R"({"manager":"kubectl-edit","operation":"Update","fieldsV1":{"f:spec":{"f:template":)"
         R"({"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{"f:image":{}}}}}}}})"},
        record_of(desired, {managers_rule({"kubectl-edit"})}));
    const Action action =
        plan_with(desired_deployment(2, "nginx:2"), theirs, {managers_rule({"kubectl-edit"})});
    REQUIRE(action.step == Step::kApply);
    CHECK(action.ignored.empty());
  }
}

TEST_CASE("ignore rules: a pointer to a map ignores every field under it") {
  const auto desired = desired_deployment(2);
  const auto live = live_of(*desired, 5, {kStewardWithoutReplicas, kEditOwnsReplicas},
                            record_of(desired, {paths_rule({"/spec"})}));
  const Action action = plan_with(desired, live, {paths_rule({"/spec"})});
  CHECK(action.step == Step::kNothing);
  std::vector<std::string> pointers;
  for (const auto& field : action.ignored) pointers.push_back(field.pointer);
  CHECK(pointers == std::vector<std::string>{"/spec/replicas", "/spec/selector/matchLabels/app",
                                             "/spec/template/metadata/labels/app",
                                             "/spec/template/spec/containers"});
}

TEST_CASE("ignore rules: targets match by group, version, kind, namespace, name and labels") {
  const auto body = parse(deployment(1, "x"));
  using reconcile::IgnoreTarget;
  CHECK(reconcile::targets(IgnoreTarget{}, *body));
  CHECK(reconcile::targets(IgnoreTarget{.group = "apps", .version = "v1", .kind = "Deployment",
                                        .ns = "team", .name = "web"},
                           *body));
  CHECK_FALSE(reconcile::targets(IgnoreTarget{.group = "batch"}, *body));
  CHECK_FALSE(reconcile::targets(IgnoreTarget{.version = "v2"}, *body));
  CHECK_FALSE(reconcile::targets(IgnoreTarget{.ns = "other"}, *body));
  CHECK_FALSE(reconcile::targets(IgnoreTarget{.name = "api"}, *body));
  CHECK(reconcile::targets(IgnoreTarget{.label_selector = "app=web"}, *body));
  CHECK(reconcile::targets(IgnoreTarget{.label_selector = "app==web,tier!=db,!legacy"}, *body));
  CHECK(reconcile::targets(IgnoreTarget{.label_selector = "app"}, *body));
  CHECK_FALSE(reconcile::targets(IgnoreTarget{.label_selector = "app=api"}, *body));
  CHECK_FALSE(reconcile::targets(IgnoreTarget{.label_selector = "!app"}, *body));
}

TEST_CASE("ignore rules: JSON pointers are RFC 6901, and never into lists or steward's marks") {
  using reconcile::parse_json_pointer;
  CHECK(parse_json_pointer("/spec/replicas").tokens == std::vector<std::string>{"spec", "replicas"});
  CHECK(parse_json_pointer("/metadata/annotations/a~1b~0c").tokens ==
        std::vector<std::string>{"metadata", "annotations", "a/b~c"});
  for (const char* bad : {"", "spec/replicas", "/spec/containers/0/image", "/spec/-", "/a~2",
                          "/spec//x", "/metadata/name", "/kind",
                          "/metadata/annotations/steward.dev~1source",
                          "/metadata/labels/app.kubernetes.io~1managed-by", "/metadata/labels"}) {
    INFO(bad);
    const auto parsed = parse_json_pointer(bad);
    CHECK_FALSE(parsed.error.empty());
    CHECK(parsed.tokens.empty());
  }
}

TEST_CASE("the caches keep field owners only of objects ignore rules target") {
  const auto desired = desired_deployment(2);
  auto targeted = kube::copy_object(
      *live_of(*desired, 5, {kStewardWithoutReplicas, kEditOwnsReplicas}, "{}"), 1024);
  reconcile::keep_ownership_facts(*targeted);
  const auto& managed = (*targeted)["metadata"]["managedFields"];
  REQUIRE(managed.Size() == 2);
  CHECK(managed[1].HasMember("fieldsV1"));
  CHECK_FALSE(managed[1].HasMember("apiVersion"));

  auto plain = kube::copy_object(
      *live_of(*desired, 5, {kStewardWithoutReplicas, kEditOwnsReplicas}), 1024);
  reconcile::keep_ownership_facts(*plain);
  REQUIRE((*plain)["metadata"]["managedFields"].Size() == 1);
  CHECK_FALSE((*plain)["metadata"]["managedFields"][0].HasMember("fieldsV1"));
}

TEST_CASE("ignore rules: once a rule is gone, the memo of an apply under it does not hide drift") {
  const auto desired = desired_deployment(2, "nginx:2");
  // What steward's apply that left replicas to kubectl-edit answered: replicas 5.
  const auto live = live_of(*desired, 5, {kStewardWithoutReplicas, kEditOwnsReplicas},
                            replicas_digest(2));
  const Action under_rule = plan_with(desired, live, {paths_rule({"/spec/replicas"})});
  REQUIRE(under_rule.ignored.size() == 1);
  ApplyMemo memo = ApplyMemo::of(desired).answered(*live);
  memo.projection =
      reconcile::with_manifest_values(*memo.projection, *desired->body.object, under_rule.ignored);
  CHECK((*memo.projection)["spec"]["replicas"].GetInt() == 2);
  const desired::DesiredState state;
  const LiveLookup lookup{.type = kDeployments, .synced = true, .object = live};
  const Action without_rule = reconcile::plan(
      {.key = kKey, .state = state, .desired = desired.get(), .live = lookup, .memo = &memo}, {});
  CHECK(without_rule.step == Step::kApply);
  CHECK(without_rule.detail == ".spec.replicas differs");
}

TEST_CASE("ignore rules: a managers rule records every field of the manifest") {
  const auto desired = desired_deployment(2, "nginx:1");
  const IgnoreRule rules[] = {managers_rule({"kubectl-edit"})};
  rapidjson::Document record;
  record.Parse(record_of(desired, {rules[0]}).c_str());
  REQUIRE(record.IsObject());
  CHECK(kube::string_at(record, {"#rules"}) == reconcile::rules_digest(rules, *desired->object));
  for (const char* pointer : {"/metadata/labels/app", "/spec/replicas", "/spec/selector/matchLabels/app",
                              "/spec/template/metadata/labels/app", "/spec/template/spec/containers"}) {
    CHECK(record.HasMember(pointer));
  }
  // What names the object and steward's own marks are not.
  CHECK(record.MemberCount() == 6);
}

TEST_CASE("ignore rules: a manifest change of a field a listed manager took since steward's last "
          "write is applied") {
  // steward created it under the rule (replicas 2 recorded), then kubectl edit took replicas,
  // with no steward write in between.
  const auto before = desired_deployment(2, "nginx:1");
  const auto live = live_of(*before, 7, {kStewardWithoutReplicas, kEditOwnsReplicas},
                            record_of(before, {managers_rule({"kubectl-edit"})}));
  SECTION("replicas changed in the manifest: applied, the field taken back") {
    const auto after = desired_deployment(3, "nginx:1");
    const Action action = plan_with(after, live, {managers_rule({"kubectl-edit"})});
    REQUIRE(action.step == Step::kApply);
    REQUIRE(action.ignored.size() == 1);
    CHECK(action.ignored[0].treatment == Treatment::kManifest);
    REQUIRE(replicas_in(*action.body));
    CHECK(replicas_in(*action.body)->GetInt() == 3);
  }
  SECTION("a change elsewhere leaves kubectl-edit's replicas") {
    const Action action =
        plan_with(desired_deployment(2, "nginx:2"), live, {managers_rule({"kubectl-edit"})});
    REQUIRE(action.step == Step::kApply);
    CHECK(replicas_in(*action.body) == nullptr);
  }
}

TEST_CASE("ignore rules: a record written under other rules is rewritten once, taking nothing") {
  const auto desired = desired_deployment(2, "nginx:1");
  // Applied before the managers rule existed (no record); kubectl-edit has replicas since.
  const auto live = live_of(*desired, 7, {kStewardWithoutReplicas, kEditOwnsReplicas}, "{}");
  const Action action = plan_with(desired, live, {managers_rule({"kubectl-edit"})});
  REQUIRE(action.step == Step::kApply);
  CHECK(action.detail ==
        ".metadata.annotations.steward.dev/ignored-digests out of date (the ignore rules changed)");
  REQUIRE(action.body);
  CHECK(replicas_in(*action.body) == nullptr);
  CHECK(digests_of(*action.body) == record_of(desired, {managers_rule({"kubectl-edit"})}));
  // Once written, in sync.
  const auto written = live_of(*desired, 7, {kStewardWithoutReplicas, kEditOwnsReplicas},
                               digests_of(*action.body));
  CHECK(plan_with(desired, written, {managers_rule({"kubectl-edit"})}).step == Step::kNothing);
}

TEST_CASE("ignore rules: a field new to the manifest under the same rules is the manifest's") {
  // The manifest did not set replicas when steward applied it; kubectl-edit set it since.
  const auto without = parse(deployment(2, "nginx:1"));
  (*without)["spec"].RemoveMember("replicas");
  desired::DesiredObject d{.object = without, .key = kKey, .source = "apps"};
  desired::make_body(d, "");
  const auto before = std::make_shared<desired::DesiredObject>(std::move(d));
  const std::vector<IgnoreRule> rules = {managers_rule({"kubectl-edit"})};
  const auto live =
      live_of(*before, 7, {kStewardWithoutReplicas, kEditOwnsReplicas}, record_of(before, rules));
  const Action action = plan_with(desired_deployment(2, "nginx:1"), live, rules);
  REQUIRE(action.step == Step::kApply);
  REQUIRE(replicas_in(*action.body));
  CHECK(replicas_in(*action.body)->GetInt() == 2);
}
