// plan()'s opt-outs (desired/opt_outs.hpp, reconcile/opt_outs.hpp) and suspended sources: what
// holds steward back, and what is read where once the manifest is gone.
#include <catch2/catch.hpp>

#include <string>

#include "reconcile/opt_outs.hpp"
#include "reconcile/ownership.hpp"
#include "reconcile/plan.hpp"

using namespace steward;
using desired::OptOuts;
using reconcile::Action;
using reconcile::PruneVerdict;
using reconcile::Step;

namespace {

const desired::ObjectKey kKey{"", "ConfigMap", "team", "app"};

std::shared_ptr<kube::Object> object(const std::string& text) {
  auto parsed = kube::parse_object(text);
  REQUIRE_FALSE(parsed->HasParseError());
  return parsed;
}

// A desired ConfigMap with `annotations` (JSON members) and data {"a": value}.
desired::DesiredObjectPtr desired_with(const std::string& annotations,
                                       const std::string& value = "1") {
  desired::DesiredObject desired{
      .object = object(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app",)"
                       R"("namespace":"team","annotations":{)" +
                       annotations + R"(}},"data":{"a":")" + value + R"("}})"),
      .key = kKey,
      .source = "s"};
  desired::make_body(desired, "");
  return std::make_shared<desired::DesiredObject>(std::move(desired));
}

// What steward's apply of `desired` would leave live, with data a=`value` and managedFields
// `managed` (JSON array).
std::shared_ptr<kube::Object> live_of(const desired::DesiredObject& desired, const std::string& value,
                        const std::string& managed) {
  auto live = kube::copy_object(*desired.body.object, 256);
  auto& a = live->GetAllocator();
  (*live)["metadata"].AddMember("uid", "u-1", a).AddMember("resourceVersion", "7", a);
  (*live)["data"]["a"].SetString(value.c_str(), a);
  rapidjson::Document m;
  m.Parse(managed.c_str());
  (*live)["metadata"].AddMember("managedFields", rapidjson::Value(m, a), a);
  return live;
}

// managedFields where steward's Apply owns `fields` (f:annotations members) and kubectl's
// Update owns `user_fields`.
std::string managed(const std::string& fields, const std::string& user_fields = "") {
  return R"([{"manager":"steward","operation":"Apply","fieldsV1":{"f:metadata":{"f:annotations":{)" +
         fields + R"(}}}},{"manager":"kubectl-annotate","operation":"Update","fieldsV1":{"f:metadata":{"f:annotations":{)" +
         user_fields + "}}}}]";
}

struct Case {
  desired::DesiredObjectPtr desired;  // null: not desired
  kube::ObjectPtr live;               // null: absent
  std::optional<OptOuts> departed;    // what the update that removed the key said
  bool suspended = false;
  PruneVerdict verdict = PruneVerdict::kAllowed;
  std::optional<std::string> waiting_for;  // the dependsOn source s waits for
};

Action run(const Case& c) {
  desired::SourceObjects source{.name = "s"};
  if (c.desired) source.objects.push_back(c.desired);
  const desired::DesiredState state({source});
  std::optional<reconcile::ApplyMemo> memo;
  if (c.desired) memo = reconcile::ApplyMemo::of(c.desired);
  const reconcile::LiveLookup live{
      .type = kube::ResourceType{"", "v1", "configmaps", "ConfigMap", true},
      .synced = true,
      .object = c.live};
  const reconcile::PlanPolicy policy{.may_prune = [&](std::string_view) { return c.verdict; },
                          .departed = [&] { return c.departed; },
                          .suspended = [&](std::string_view) { return c.suspended; },
                          .waiting_for = [&](std::string_view source) {
                            CHECK(source == "s");
                            return c.waiting_for;
                          }};
  return reconcile::plan({.key = kKey,
                          .state = state,
                          .desired = c.desired.get(),
                          .live = live,
                          .memo = memo ? &*memo : nullptr},
                         policy);
}

constexpr const char* kReconcileDisabled = R"("steward.dev/reconcile":"disabled")";
constexpr const char* kPruneDisabled = R"("steward.dev/prune":"disabled")";
constexpr const char* kIfNotPresent = R"("steward.dev/ssa":"IfNotPresent")";

}  // namespace

TEST_CASE("opt-outs: reconcile disabled creates a missing object, and leaves a drifted one with its drift reported") {
  const auto desired = desired_with(kReconcileDisabled);
  const Action create = run({.desired = desired});
  CHECK(create.step == Step::kApply);
  CHECK_FALSE(create.exists);
  CHECK(create.create_only);  // a GET first: one that exists without steward's marks is left

  const Action same = run({.desired = desired, .live = live_of(*desired, "1", managed(""))});
  CHECK(same.step == Step::kNothing);
  CHECK_FALSE(same.drifted);

  const Action drifted = run({.desired = desired, .live = live_of(*desired, "2", managed(""))});
  CHECK(drifted.step == Step::kNothing);
  CHECK(drifted.drifted);
  CHECK(drifted.held);
  CHECK_THAT(drifted.detail, Catch::Contains(".data.a differs") && Catch::Contains("not corrected"));

  // Without the opt-out the same pair is a correction: the opt-out is what holds it back.
  const auto plain = desired_with(R"("x":"y")");
  CHECK(run({.desired = plain, .live = live_of(*plain, "2", managed(""))}).step == Step::kApply);
}

TEST_CASE("opt-outs: ssa IfNotPresent creates only, and measures no drift") {
  const auto desired = desired_with(kIfNotPresent);
  CHECK(run({.desired = desired}).create_only);
  const Action left = run({.desired = desired, .live = live_of(*desired, "2", managed(""))});
  CHECK(left.step == Step::kNothing);
  CHECK_FALSE(left.drifted);
  CHECK_THAT(left.detail, Catch::Contains("IfNotPresent"));
}

TEST_CASE("opt-outs: a removed object is kept when its last manifest said prune or reconcile disabled") {
  const auto desired = desired_with(kPruneDisabled);
  const auto live = live_of(*desired, "1", managed(""));
  OptOuts prune_disabled;
  prune_disabled.prune_disabled = true;
  const Action kept = run({.live = live, .departed = prune_disabled});
  CHECK(kept.step == Step::kRelease);
  CHECK(kept.uid == "u-1");
  CHECK(kept.resource_version == "7");
  CHECK_THAT(kept.detail, Catch::Contains("steward.dev/prune: disabled in its last manifest"));

  OptOuts reconcile_disabled;
  reconcile_disabled.reconcile_disabled = true;
  CHECK(run({.live = live, .departed = reconcile_disabled}).step == Step::kRelease);
  // Nothing said so: pruned.
  CHECK(run({.live = live, .departed = OptOuts{}}).step == Step::kPrune);
  CHECK(run({.live = live}).step == Step::kPrune);
  // Kept only where a prune would have happened: a refused prune stays refused, an undecided one
  // waits, and no release is written for them.
  CHECK(run({.live = live, .departed = prune_disabled, .verdict = PruneVerdict::kRefused}).step ==
        Step::kFail);
  CHECK(run({.live = live, .departed = prune_disabled, .verdict = PruneVerdict::kUndecided}).step ==
        Step::kWait);
}

TEST_CASE("opt-outs: after a restart the live annotation keeps an object only where steward's apply owns it") {
  const auto desired = desired_with(kPruneDisabled);
  // steward's Apply owns the annotation: a manifest steward applied said so.
  const Action kept = run({.live = live_of(*desired, "1", managed(R"("f:steward.dev/prune":{})"))});
  CHECK(kept.step == Step::kRelease);
  CHECK_THAT(kept.detail, Catch::Contains("applied by steward"));
  // A user's kubectl annotate owns it: not a switch, the object is pruned.
  CHECK(run({.live = live_of(*desired, "1", managed("", R"("f:steward.dev/prune":{})"))}).step ==
        Step::kPrune);
  // And a live annotation never stops steward correcting a manifest without the opt-out.
  const auto plain = desired_with(R"("x":"y")");
  auto annotated = live_of(*plain, "2", managed("", R"("f:steward.dev/reconcile":{})"));
  (*annotated)["metadata"]["annotations"].AddMember("steward.dev/reconcile", "disabled",
                                                    annotated->GetAllocator());
  CHECK(run({.desired = plain, .live = annotated}).step == Step::kApply);
}

TEST_CASE("suspend: nothing is applied or pruned, and drift is still reported") {
  const auto desired = desired_with(R"("x":"y")");
  const Action create = run({.desired = desired, .suspended = true});
  CHECK(create.step == Step::kNothing);
  CHECK(create.held);
  CHECK_THAT(create.detail, Catch::Contains("source s suspended: would create"));

  const Action drifted =
      run({.desired = desired, .live = live_of(*desired, "2", managed("")), .suspended = true});
  CHECK(drifted.step == Step::kNothing);
  CHECK(drifted.drifted);

  const Action in_sync =
      run({.desired = desired, .live = live_of(*desired, "1", managed("")), .suspended = true});
  CHECK(in_sync.step == Step::kNothing);
  CHECK_FALSE(in_sync.drifted);

  const Action prune = run({.live = live_of(*desired, "1", managed("")), .suspended = true});
  CHECK(prune.step == Step::kNothing);
  CHECK_THAT(prune.detail, Catch::Contains("would prune"));
}

TEST_CASE("ownership: the cache keeps which opt-out annotations steward's apply owns, and nothing else of managedFields") {
  auto cached = object(
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app","annotations":{)"
      R"("steward.dev/prune":"disabled","steward.dev/reconcile":"disabled","other":"x"},)"
      R"("managedFields":[{"manager":"steward","operation":"Apply","fieldsV1":{"f:metadata":{)"
      R"("f:annotations":{"f:steward.dev/prune":{},"f:other":{}}},"f:data":{}}},)"
      R"({"manager":"kubectl-annotate","operation":"Update","fieldsV1":{"f:metadata":{)"
      R"("f:annotations":{"f:steward.dev/reconcile":{}}}}}]}})");
  reconcile::keep_ownership_facts(*cached);
  const auto& managed_fields = (*cached)["metadata"]["managedFields"];
  REQUIRE(managed_fields.Size() == 1);
  CHECK(kube::to_json(managed_fields[0]) ==
        R"({"manager":"steward","operation":"Apply","fieldsV1":{"f:metadata":{"f:annotations":{"f:steward.dev/prune":{}}}}})");
  CHECK(reconcile::applied_annotation(*cached, "steward", "steward.dev/prune") == "disabled");
  CHECK_FALSE(reconcile::applied_annotation(*cached, "steward", "steward.dev/reconcile"));
  const OptOuts applied = reconcile::applied_opt_outs(*cached, "steward");
  CHECK(applied.prune_disabled);
  CHECK_FALSE(applied.reconcile_disabled);
}

TEST_CASE("dependsOn: while a dependency is not ready, writes wait naming it, and reads go on") {
  const auto desired = desired_with(R"("x":"y")");
  const Action create = run({.desired = desired, .waiting_for = "db"});
  CHECK(create.step == Step::kWait);
  CHECK(create.detail == "waiting for source db (dependsOn): not in sync and Current");

  const Action drifted =
      run({.desired = desired, .live = live_of(*desired, "2", managed("")), .waiting_for = "db"});
  CHECK(drifted.step == Step::kWait);

  const Action prune = run({.live = live_of(*desired, "1", managed("")), .waiting_for = "db"});
  CHECK(prune.step == Step::kWait);

  // Nothing to write: in sync, and no wait for anyone.
  const Action in_sync =
      run({.desired = desired, .live = live_of(*desired, "1", managed("")), .waiting_for = "db"});
  CHECK(in_sync.step == Step::kNothing);

  // Ready: the write goes ahead.
  CHECK(run({.desired = desired}).step == Step::kApply);
  // Suspended as well: the suspension holds it (nothing is done, not even a wait).
  const Action both = run({.desired = desired, .suspended = true, .waiting_for = "db"});
  CHECK(both.step == Step::kNothing);
  CHECK(both.held);
}
