// plan(), the one reconcile decision, over a table of desired/live pairs.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "reconcile/plan.hpp"
#include "support/json.hpp"

using namespace steward;
using desired::ObjectKey;
using reconcile::Action;
using reconcile::ApplyMemo;
using reconcile::LiveLookup;
using reconcile::PlanPolicy;
using reconcile::PruneVerdict;
using reconcile::Step;

namespace {

const kube::ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};
const ObjectKey kKey{"", "ConfigMap", "team", "app"};

kube::ObjectPtr object(const std::string& text) {
  auto out = std::make_shared<kube::Object>();
  out->Parse(text.c_str());
  REQUIRE_FALSE(out->HasParseError());
  return out;
}

desired::DesiredObjectPtr sealed(desired::DesiredObject desired) {
  desired::make_body(desired, "");
  return std::make_shared<desired::DesiredObject>(std::move(desired));
}

desired::DesiredObjectPtr desired_config_map(const std::string& data, std::string source = "s") {
  return sealed(desired::DesiredObject{
      .object = object(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app"},"data":)" +
                       data + "}"),
      .key = kKey,
      .source = std::move(source)});
}

// The live object steward's apply of `memo` would leave, with `data` instead of the body's and
// `extra` members added to metadata.
kube::ObjectPtr live_from(const ApplyMemo& memo, const std::string& data = "",
                          const std::string& extra = "") {
  auto live = kube::copy_object(*memo.body.object, 256);
  auto& a = live->GetAllocator();
  (*live)["metadata"].AddMember("uid", "u-1", a).AddMember("resourceVersion", "7", a);
  if (!data.empty()) {
    rapidjson::Document d;
    d.Parse(data.c_str());
    (*live)["data"].CopyFrom(d, a);
  }
  if (!extra.empty()) {
    rapidjson::Document e;
    e.Parse(extra.c_str());
    for (auto& m : e.GetObject()) {
      (*live)["metadata"].AddMember(rapidjson::Value(m.name, a), rapidjson::Value(m.value, a), a);
    }
  }
  return live;
}

constexpr const char* kStewardApplied =
    R"("managedFields":[{"manager":"kubectl","operation":"Update"},)"
    R"({"manager":"steward","operation":"Apply","fieldsType":"FieldsV1","fieldsV1":{}}],)";

// A live object of steward's, of source `source`, that is not desired: steward's marks, and
// `extra` metadata (by default the server's record of steward's apply).
kube::ObjectPtr orphan(const std::string& source, const std::string& extra = kStewardApplied) {
  return object(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app","namespace":"team",)"
                R"("uid":"u-9","resourceVersion":"42",)" +
                extra +
                R"("labels":{"app.kubernetes.io/managed-by":"steward"},)"
                R"("annotations":{"steward.dev/source":")" +
                source + R"("}}})");
}

struct Row {
  std::string name;
  desired::DesiredObjectPtr desired;  // null: not desired
  LiveLookup live;
  bool memo_answered = false;        // the memo holds the projection of the live object
  PruneVerdict verdict = PruneVerdict::kAllowed;
  std::optional<ObjectKey> create_after;
  Step step;
  std::string detail;  // expected substring ("" matches any)
};

Action run(const Row& row) {
  desired::SourceObjects source{.name = "s"};
  if (row.desired) source.objects.push_back(row.desired);
  const desired::DesiredState state({source});
  std::optional<ApplyMemo> memo;
  if (row.desired) memo = ApplyMemo::of(row.desired);
  if (memo && row.memo_answered && row.live.object) memo = memo->answered(*row.live.object);
  const PlanPolicy policy{.may_prune = [&](std::string_view) { return row.verdict; },
                          .create_after = [&] { return row.create_after; }};
  return reconcile::plan(
      {.key = kKey, .state = state, .desired = row.desired.get(), .live = row.live,
       .memo = memo ? &*memo : nullptr},
      policy);
}

}  // namespace

TEST_CASE("plan: with no memo, a difference in an object applied from this manifest is confirmed "
          "first") {
  const auto desired = desired_config_map(R"({"a":"1"})");
  const ApplyMemo memo = ApplyMemo::of(desired);
  const auto row = [&](desired::DesiredObjectPtr wanted, kube::ObjectPtr live, bool answered) {
    return Row{"", std::move(wanted),
               LiveLookup{.type = kConfigMaps, .synced = true, .object = std::move(live)},
               answered, {}, {}, Step::kApply, ""};
  };
  // A restart: no memo, the desired-hash says this manifest, the value differs.
  const Action restarted = run(row(desired, live_from(memo, R"({"a":"1.0"})"), false));
  CHECK(restarted.step == Step::kApply);
  CHECK(restarted.confirm_drift);
  // The manifest changed since: applied without asking.
  CHECK_FALSE(run(row(desired_config_map(R"({"a":"3"})"), live_from(memo), false)).confirm_drift);
  // A memo with the server's answer: the difference is drift, applied without asking.
  const auto answered = live_from(memo, R"({"a":"1.0"})");
  const std::optional<ApplyMemo> kept = memo.answered(*answered);
  desired::SourceObjects source{.name = "s", .objects = {desired}};
  const desired::DesiredState state({source});
  const LiveLookup edited{.type = kConfigMaps, .synced = true,
                          .object = live_from(memo, R"({"a":"2"})")};
  const Action after_memo =
      reconcile::plan({.key = kKey, .state = state, .desired = desired.get(), .live = edited,
                       .memo = &*kept},
                      PlanPolicy{});
  CHECK(after_memo.step == Step::kApply);
  CHECK_FALSE(after_memo.confirm_drift);
}

TEST_CASE("plan: the decision for each pair of desired and live") {
  const auto desired = desired_config_map(R"({"a":"1"})");
  const ApplyMemo memo = ApplyMemo::of(desired);
  const auto synced = [](kube::ObjectPtr live) {
    return LiveLookup{.type = kConfigMaps, .synced = true, .object = std::move(live)};
  };
  const std::vector<Row> rows = {
      {"desired, absent: create", desired, synced(nullptr), false, {}, {}, Step::kApply, ""},
      {"desired, absent, an earlier tier awaited: wait", desired, synced(nullptr), false, {},
       ObjectKey{"", "Namespace", "", "team"}, Step::kWait, "created after Namespace team"},
      {"desired, live as applied: nothing", desired, synced(live_from(memo)), false, {}, {},
       Step::kNothing, ""},
      {"desired, live with others' fields: nothing", desired,
       synced(live_from(memo, "", R"({"finalizers":["x"]})")), false, {}, {}, Step::kNothing, ""},
      {"desired, live edited: correct, naming the field", desired,
       synced(live_from(memo, R"({"a":"2"})")), false, {}, {}, Step::kApply, ".data.a differs"},
      {"desired changed since the live object was applied: correct", desired_config_map(R"({"a":"3"})"),
       synced(live_from(memo)), false, {}, {}, Step::kApply, "desired state changed"},
      {"desired, live normalised by the server and memoised: nothing", desired,
       synced(live_from(memo, R"({"a":"1.0"})")), true, {}, {}, Step::kNothing, ""},
      {"desired, cache not synced: wait for it", desired,
       LiveLookup{.type = kConfigMaps, .synced = false}, false, {}, {}, Step::kWait,
       "cache of configmaps not synced"},
      {"desired, kind not served, discovery silent: wait", desired, LiveLookup{}, false, {}, {},
       Step::kWait, "discovery has not answered"},
      {"desired, kind nothing serves: fail", desired, LiveLookup{.not_served = true}, false, {}, {},
       Step::kFail, "the API server does not serve it"},
      {"not desired, absent: nothing", nullptr, synced(nullptr), false, {}, {}, Step::kNothing,
       "absent"},
      {"not desired, steward's, prune allowed: prune", nullptr, synced(orphan("s")), false,
       PruneVerdict::kAllowed, {}, Step::kPrune, ""},
      {"not desired, steward's, prune off: nothing", nullptr, synced(orphan("s")), false,
       PruneVerdict::kOff, {}, Step::kNothing, "prune not allowed for source s"},
      {"not desired, steward's, prune refused by the fraction guard: fail", nullptr,
       synced(orphan("s")), false, PruneVerdict::kRefused, {}, Step::kFail, "pruneFraction"},
      {"not desired, steward's, guard undecided: wait", nullptr, synced(orphan("s")), false,
       PruneVerdict::kUndecided, {}, Step::kWait, "every cache has synced"},
      {"not desired, steward's, being deleted: nothing", nullptr,
       synced(orphan("s", std::string(kStewardApplied) + R"("deletionTimestamp":"2026-01-01T00:00:00Z",)")),
       false, {}, {}, Step::kNothing, "being deleted"},
      {"not desired, steward's marks copied, no Apply by steward: nothing", nullptr,
       synced(orphan("s", R"("managedFields":[{"manager":"kubectl","operation":"Apply"},)"
                          R"({"manager":"steward","operation":"Update"}],)")),
       false, {}, {}, Step::kNothing, "no Apply by field manager steward"},
      {"not desired, steward's marks, no managedFields at all: nothing", nullptr,
       synced(orphan("s", "")), false, {}, {}, Step::kNothing, "not steward's to prune"},
      {"not desired, steward's, but controlled by another object: nothing", nullptr,
       synced(orphan("s", std::string(kStewardApplied) +
                              R"("ownerReferences":[{"kind":"Job","name":"j","uid":"u","controller":true}],)")),
       false, {}, {}, Step::kNothing, "controlled by Job j"},
      {"not desired, steward's, with an owner that is not its controller: prune", nullptr,
       synced(orphan("s", std::string(kStewardApplied) +
                              R"("ownerReferences":[{"kind":"Job","name":"j","uid":"u"}],)")),
       false, {}, {}, Step::kPrune, ""},
      {"not desired, not steward's: nothing", nullptr,
       synced(object(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app"}})")), false,
       {}, {}, Step::kNothing, "not steward's"},
      {"not desired, kind not served: nothing", nullptr, LiveLookup{}, false, {}, {},
       Step::kNothing, "kind not served"},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    const Action action = run(row);
    CHECK(reconcile::to_string(action.step) == reconcile::to_string(row.step));
    CHECK_THAT(action.detail, Catch::Contains(row.detail));
  }
}

TEST_CASE("plan: a prune carries the uid and resourceVersion it was decided on") {
  const LiveLookup live{.type = kConfigMaps, .synced = true, .object = orphan("s")};
  const desired::DesiredState state;
  const Action action = reconcile::plan(
      {.key = kKey, .state = state, .desired = nullptr, .live = live, .memo = nullptr},
      {.may_prune = [](std::string_view) { return PruneVerdict::kAllowed; }});
  CHECK(action.step == Step::kPrune);
  CHECK(action.uid == "u-9");
  CHECK(action.resource_version == "42");
}

TEST_CASE("plan: a kind a CRD in the desired state will serve waits for that CRD's cache") {
  const auto widget = sealed(desired::DesiredObject{
      .object = object(R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"}})"),
      .key = {"example.com", "Widget", "team", "w"},
      .source = "s"});
  const auto crd = sealed(desired::DesiredObject{
      .object = object(R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",)"
                       R"("metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com",)"
                       R"("names":{"kind":"Widget"},"versions":[{"name":"v1","served":true}]}})"),
      .key = {"apiextensions.k8s.io", "CustomResourceDefinition", "", "widgets.example.com"},
      .source = "s"});
  const desired::DesiredState state({{.name = "s", .objects = {widget, crd}}});
  const ApplyMemo memo = ApplyMemo::of(widget);
  const LiveLookup live{.not_served = true};
  const Action action = reconcile::plan(
      {.key = widget->key, .state = state, .desired = widget.get(), .live = live, .memo = &memo}, {});
  CHECK(action.step == Step::kWait);
  CHECK(action.waits_for_cache);
  CHECK_THAT(action.detail, Catch::Contains("CustomResourceDefinition widgets.example.com"));
}

TEST_CASE("plan: a dry run plans the create of what needs a Namespace or CRD it only plans") {
  const auto widget = [](const std::string& version) {
    return sealed(desired::DesiredObject{
        .object = object(R"({"apiVersion":"example.com/)" + version +
                         R"(","kind":"Widget","metadata":{"name":"w"}})"),
        .key = {"example.com", "Widget", "team", "w"},
        .source = "s"});
  };
  const auto crd = sealed(desired::DesiredObject{
      .object = object(R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",)"
                       R"("metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com",)"
                       R"("names":{"kind":"Widget"},"versions":[{"name":"v1","served":true},)"
                       R"({"name":"v0","served":false}]}})"),
      .key = {"apiextensions.k8s.io", "CustomResourceDefinition", "", "widgets.example.com"},
      .source = "s"});
  const auto team = sealed(desired::DesiredObject{
      .object = object(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}})"),
      .key = {"", "Namespace", "", "team"},
      .source = "s"});
  const auto config_map = desired_config_map(R"({"a":"1"})");
  const auto decide = [&](const desired::DesiredObjectPtr& desired, const LiveLookup& live,
                          bool dry_run, bool team_exists = false,
                          std::vector<desired::DesiredObjectPtr> others = {}) {
    others.push_back(desired);
    const desired::DesiredState state({{.name = "s", .objects = others}});
    const ApplyMemo memo = ApplyMemo::of(desired);
    return reconcile::plan(
        {.key = desired->key, .state = state, .desired = desired.get(), .live = live,
         .memo = &memo},
        {.dry_run = dry_run,
         .namespace_exists = [&](std::string_view ns) { return ns != "team" || team_exists; }});
  };
  const LiveLookup absent{.type = kConfigMaps, .synced = true};
  const LiveLookup not_served{.not_served = true};

  SECTION("in a Namespace of the desired state that the cluster does not hold: planned") {
    const Action action = decide(config_map, absent, true, false, {team});
    CHECK(action.step == Step::kPlanned);
    CHECK_THAT(action.detail, Catch::Contains("would be created: its Namespace team is created "
                                              "in this run (dry run: not sent)"));
  }
  SECTION("its Namespace exists: sent as a dry-run create") {
    CHECK(decide(config_map, absent, true, true, {team}).step == Step::kApply);
  }
  SECTION("its Namespace is in no desired state: sent, the server answers for it") {
    CHECK(decide(config_map, absent, true).step == Step::kApply);
  }
  SECTION("not a dry run: sent, after the Namespace's create") {
    CHECK(decide(config_map, absent, false, false, {team}).step == Step::kApply);
  }
  SECTION("a custom resource of a version its planned CRD serves: planned") {
    const Action action = decide(widget("v1"), not_served, true, true, {crd});
    CHECK(action.step == Step::kPlanned);
    CHECK_THAT(action.detail,
               Catch::Contains("its CustomResourceDefinition widgets.example.com is applied"));
  }
  SECTION("a custom resource of a version the CRD does not serve fails, dry run or not") {
    for (const bool dry_run : {true, false}) {
      for (const std::string version : {"v0", "v2"}) {
        const Action action = decide(widget(version), not_served, dry_run, true, {crd});
        CHECK(action.step == Step::kFail);
        CHECK_THAT(action.detail, Catch::Contains("does not serve version \"" + version + "\""));
      }
    }
  }
  SECTION("a custom resource no CRD of the desired state defines fails") {
    CHECK(decide(widget("v1"), not_served, true).step == Step::kFail);
  }
  SECTION("a manifest without a name fails rather than being planned") {
    const auto nameless = sealed(desired::DesiredObject{
        .object = object(R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{}})"),
        .key = {"example.com", "Widget", "team", "w"},
        .source = "s"});
    const Action action = decide(nameless, not_served, true, true, {crd});
    CHECK(action.step == Step::kFail);
    CHECK_THAT(action.detail, Catch::Contains("metadata.name is required"));
  }
}

TEST_CASE("plan: an object that exists without steward's marks is adopted as its source says") {
  const auto desired = desired_config_map(R"({"a":"1"})");
  const ApplyMemo memo = ApplyMemo::of(desired);
  const LiveLookup live{
      .type = kConfigMaps,
      .synced = true,
      .object = object(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app",)"
                       R"("namespace":"team","uid":"u-1"},"data":{"a":"2"}})")};
  const desired::DesiredState state({{.name = "s", .objects = {desired}}});
  const auto decide = [&](reconcile::Adopt adopt) {
    return reconcile::plan(
        {.key = kKey, .state = state, .desired = desired.get(), .live = live, .memo = &memo},
        {.adopt = [adopt](std::string_view) { return adopt; }});
  };
  const Action careful = decide(reconcile::Adopt::kIfNoConflict);
  CHECK(careful.step == Step::kApply);
  CHECK(careful.exists);
  CHECK_FALSE(careful.force);
  const Action forced = decide(reconcile::Adopt::kAlways);
  CHECK(forced.step == Step::kApply);
  CHECK(forced.force);
  const Action never = decide(reconcile::Adopt::kNever);
  CHECK(never.step == Step::kFail);
  CHECK_THAT(never.detail, Catch::Contains("exists without steward's marks") &&
                               Catch::Contains("adopt: Never"));
  // Not in the cache (which holds only objects with steward's label): a create, which may meet an
  // unmarked object, so it too goes without force unless the source says Always.
  const LiveLookup absent{.type = kConfigMaps, .synced = true};
  const auto create = [&](reconcile::Adopt adopt) {
    return reconcile::plan(
        {.key = kKey, .state = state, .desired = desired.get(), .live = absent, .memo = &memo},
        {.adopt = [adopt](std::string_view) { return adopt; }});
  };
  CHECK_FALSE(create(reconcile::Adopt::kIfNoConflict).force);
  CHECK_FALSE(create(reconcile::Adopt::kIfNoConflict).must_not_exist);
  CHECK(create(reconcile::Adopt::kAlways).force);
  CHECK(create(reconcile::Adopt::kNever).must_not_exist);
  // Once it carries steward's marks, it is steward's: applied with force whatever the source says.
  const LiveLookup marked{.type = kConfigMaps, .synced = true, .object = live_from(memo, R"({"a":"2"})")};
  const Action owned = reconcile::plan(
      {.key = kKey, .state = state, .desired = desired.get(), .live = marked, .memo = &memo},
      {.adopt = [](std::string_view) { return reconcile::Adopt::kNever; }});
  CHECK(owned.step == Step::kApply);
  CHECK(owned.force);
}

TEST_CASE("plan: only members of this instance's inventories are pruned or corrected") {
  const std::string ours = "applyset-ours-v1";
  const std::string theirs = "applyset-theirs-v1";
  // This instance has source s, whose id is `ours`, and claims unlabelled objects of s.
  const auto member_of = [&](std::string_view member) -> std::optional<std::string> {
    if (member == ours || member == reconcile::legacy_member_key("s")) return "s";
    return std::nullopt;
  };
  const auto labelled = [](const std::string& id) {
    return std::string(kStewardApplied) + R"("labels":{"app.kubernetes.io/managed-by":"steward",)" +
           R"("applyset.kubernetes.io/part-of":")" + id + R"("},)";
  };
  // orphan() adds its own labels after `extra`: a second "labels" member, which RapidJSON's
  // FindMember answers with the first, so the part-of label above is the one read.
  const auto decide = [&](const desired::DesiredObjectPtr& desired, kube::ObjectPtr live,
                          reconcile::Adopt adopt = reconcile::Adopt::kIfNoConflict) {
    desired::SourceObjects source{.name = "s"};
    if (desired) source.objects.push_back(desired);
    const desired::DesiredState state({source});
    std::optional<ApplyMemo> memo;
    if (desired) memo = ApplyMemo::of(desired);
    const LiveLookup lookup{.type = kConfigMaps, .synced = true, .object = std::move(live)};
    return reconcile::plan(
        {.key = kKey, .state = state, .desired = desired.get(), .live = lookup,
         .memo = memo ? &*memo : nullptr},
        {.may_prune = [](std::string_view) { return PruneVerdict::kAllowed; },
         .adopt = [&](std::string_view) { return adopt; },
         .source_of_member = member_of});
  };

  SECTION("a member of this source's set is pruned") {
    CHECK(decide(nullptr, orphan("s", labelled(ours))).step == Step::kPrune);
  }
  SECTION("an object of steward's applied before inventories is this source's, and pruned") {
    CHECK(decide(nullptr, orphan("s")).step == Step::kPrune);
  }
  SECTION("a member of another set with the same source name is left alone") {
    const Action action = decide(nullptr, orphan("s", labelled(theirs)));
    CHECK(action.step == Step::kNothing);
    CHECK_THAT(action.detail, Catch::Contains(theirs) && Catch::Contains("not steward's to prune"));
  }
  SECTION("an unlabelled object of a source this instance does not claim is left alone") {
    CHECK(decide(nullptr, orphan("t")).step == Step::kNothing);
  }
  SECTION("a desired object that is a member of another set is not taken over") {
    const auto desired = desired_config_map(R"({"a":"1"})");
    const Action action = decide(desired, orphan("s", labelled(theirs)));
    CHECK(action.step == Step::kFail);
    CHECK_THAT(action.detail, Catch::Contains("member of ApplySet " + theirs) &&
                                  Catch::Contains("adopt: Always"));
  }
  SECTION("... unless the source says adopt: Always, which forces") {
    const auto desired = desired_config_map(R"({"a":"1"})");
    const Action action = decide(desired, orphan("s", labelled(theirs)), reconcile::Adopt::kAlways);
    CHECK(action.step == Step::kApply);
    CHECK(action.force);
  }
  SECTION("a desired object of this instance's set is corrected as always") {
    const auto desired = desired_config_map(R"({"a":"1"})");
    const Action action = decide(desired, orphan("s", labelled(ours)));
    CHECK(action.step == Step::kApply);
    CHECK(action.force);
  }
}

namespace {

// A live object of steward's (source "s", steward's Apply) of `api_version` `kind`, cluster-scoped,
// with `fields` added at the top level.
kube::ObjectPtr stewards_cluster_object(const std::string& api_version, const std::string& kind,
                                        const std::string& name, const std::string& fields = "") {
  return object(R"({"apiVersion":")" + api_version + R"(","kind":")" + kind +
                R"(","metadata":{"name":")" + name + R"(","uid":"u-3","resourceVersion":"5",)" +
                kStewardApplied +
                R"("labels":{"app.kubernetes.io/managed-by":"steward"},)"
                R"("annotations":{"steward.dev/source":"s"}})" +
                fields + "}");
}

}  // namespace

TEST_CASE("plan: a Namespace or a CRD is pruned only once steward's objects in it or of its kind are gone") {
  const kube::ResourceType namespaces{"", "v1", "namespaces", "Namespace", false};
  const kube::ResourceType crds{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                                "CustomResourceDefinition", false};
  const ObjectKey ns_key{"", "Namespace", "", "team"};
  const ObjectKey crd_key{"apiextensions.k8s.io", "CustomResourceDefinition", "",
                          "widgets.example.com"};
  const auto ns_live = stewards_cluster_object("v1", "Namespace", "team");
  const auto crd_live = stewards_cluster_object(
      "apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com",
      R"(,"spec":{"group":"example.com","names":{"kind":"Widget","plural":"widgets"}})");

  struct Case {
    std::string name;
    ObjectKey key;
    LiveLookup live;
    std::size_t in_namespace = 0;  // steward's objects in namespace "team"
    std::size_t of_kind = 0;       // steward's example.com Widgets
    PruneVerdict verdict = PruneVerdict::kAllowed;
    Step step;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {"Namespace with steward's objects in it: wait", ns_key,
       {.type = namespaces, .synced = true, .object = ns_live}, 2, 0, PruneVerdict::kAllowed,
       Step::kWait, "prune of Namespace team waits until steward's 2 objects in it are gone"},
      {"Namespace with one: wait", ns_key, {.type = namespaces, .synced = true, .object = ns_live},
       1, 0, PruneVerdict::kAllowed, Step::kWait, "steward's 1 object in it is gone"},
      {"Namespace with none left: prune", ns_key,
       {.type = namespaces, .synced = true, .object = ns_live}, 0, 3, PruneVerdict::kAllowed,
       Step::kPrune, ""},
      {"Namespace with objects, prune off: nothing, and no wait", ns_key,
       {.type = namespaces, .synced = true, .object = ns_live}, 2, 0, PruneVerdict::kOff,
       Step::kNothing, "prune not allowed"},
      {"CRD with steward's custom resources: wait", crd_key,
       {.type = crds, .synced = true, .object = crd_live}, 0, 1, PruneVerdict::kAllowed,
       Step::kWait,
       "prune of CustomResourceDefinition widgets.example.com waits until its custom resources "
       "are gone (steward's 1 Widget in example.com)"},
      {"CRD with none left: prune", crd_key, {.type = crds, .synced = true, .object = crd_live}, 4,
       0, PruneVerdict::kAllowed, Step::kPrune, ""},
      {"any other object waits for nothing", kKey,
       {.type = kConfigMaps, .synced = true, .object = orphan("s")}, 5, 5, PruneVerdict::kAllowed,
       Step::kPrune, ""},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    std::vector<std::string> asked;
    const PlanPolicy policy{
        .may_prune = [&](std::string_view) { return c.verdict; },
        .objects_in_namespace =
            [&](std::string_view ns) {
              asked.push_back("namespace " + std::string(ns));
              return ns == "team" ? c.in_namespace : 0;
            },
        .objects_of_kind =
            [&](std::string_view group, std::string_view kind) {
              asked.push_back("kind " + std::string(group) + "/" + std::string(kind));
              return group == "example.com" && kind == "Widget" ? c.of_kind : 0;
            }};
    const desired::DesiredState state;
    const Action action = reconcile::plan(
        {.key = c.key, .state = state, .desired = nullptr, .live = c.live, .memo = nullptr}, policy);
    CHECK(reconcile::to_string(action.step) == reconcile::to_string(c.step));
    CHECK_THAT(action.detail, Catch::Contains(c.detail));
    // A Namespace asks only about its own namespace, a CRD only about the kind it defines.
    for (const auto& question : asked) {
      CHECK(question == (c.key == ns_key ? "namespace team" : "kind example.com/Widget"));
    }
  }
}
