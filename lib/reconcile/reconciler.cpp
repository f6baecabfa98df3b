#include "reconcile/reconciler.hpp"

#include <chrono>

#include "health/fields.hpp"
#include "kube/discovery.hpp"
#include "observe/audit.hpp"
#include "reconcile/create_order.hpp"
#include "reconcile/drift.hpp"
#include "reconcile/event_recorder.hpp"
#include "reconcile/managed_fields.hpp"
#include "reconcile/namespace_contents.hpp"
#include "reconcile/reconcile_log.hpp"
#include "reconcile/reconcile_metrics.hpp"

namespace steward::reconcile {
namespace {

// The Status-like reason of a prune steward would not do (a Namespace that holds what steward did
// not make): the label of steward_reconcile_errors_total, and the reason of its Warning Event.
constexpr std::string_view kPruneBlocked = "PruneBlocked";

// This instance's objects (`ours`: what it prunes) among those `visit_all` visits. An object with
// copied marks alone, or another instance's, is never pruned, and a prune that waited for it would
// wait for ever.
std::size_t stewards_among(const std::function<void(const LiveView::Visit&)>& visit_all,
                           const Ours& ours) {
  std::size_t count = 0;
  visit_all([&](const rapidjson::Value& object) {
    if (ours(object)) ++count;
  });
  return count;
}

// Leadership was lost (or never held): the write is not sent, and the key waits with backoff.
Reconciled not_leading() { return {{Result::kWaiting, "not the leader: writes are off"}}; }

// The audit line of a corrective write (observe/audit.hpp), as the "reconcile" logger.
void audit_write(std::string_view verb, std::string_view action, const kube::ResourceType& type,
                 std::string_view ns, std::string_view name, bool dry_run,
                 const kube::WriteResult& written, std::string_view reconcile_id) {
  static const observe::Logger log{"reconcile"};
  observe::audit(log, {.verb = verb,
                       .action = action,
                       .resource = type.qualified_resource(),
                       .ns = ns,
                       .name = name,
                       .dry_run = dry_run,
                       .code = written.code,
                       .result = written.result,
                       .reconcile_id = reconcile_id});
}

// The result of an API call: what it was and what it was about.
Reconciled called(Reconciled done, std::string_view call, ObjectReference object, bool dry_run) {
  done.telemetry.call = call;
  done.telemetry.object = std::move(object);
  done.telemetry.dry_run = dry_run;
  return done;
}

// The Kubernetes Event for an outcome: creates, corrections, prunes and failed calls; nothing for
// in-sync, waiting, or a failure before any call. In dry run nothing changed, so every change is
// only DriftDetected.
std::optional<EventRecord> event_for(const Reconciled& done) {
  const Outcome& outcome = done.outcome;
  const Telemetry& call = done.telemetry;
  if (call.call.empty() || call.object.empty()) return std::nullopt;
  EventRecord event{.regarding = call.object, .action = call.call == "prune" ? "Prune" : "Apply"};
  switch (outcome.result) {
    case Result::kCreated:
      event.reason = "Created";
      event.note = call.dry_run ? "missing: would be created" : "created by server-side apply";
      break;
    case Result::kCorrected:
      if (call.call == "recreate") {
        // Deleting an object is never routine: a Warning, as for a failed call.
        event.type = EventType::kWarning;
        event.reason = "Recreated";
        event.note = (call.dry_run ? "would be deleted and re-created (" : "deleted and re-created (") +
                     outcome.detail + ")";
        break;
      }
      event.reason = "DriftCorrected";
      event.note = (call.dry_run ? "would be corrected (" : "corrected by server-side apply (") +
                   outcome.detail + ")";
      break;
    case Result::kPruned:
      event.reason = "Pruned";
      event.note = call.dry_run ? "no longer desired: would be pruned"
                                   : "deleted: no longer in the desired state";
      break;
    case Result::kTransientError:
    case Result::kPermanentError:
      event.type = EventType::kWarning;
      event.reason = call.call != "prune"                ? "ApplyFailed"
                     : call.error_reason == kPruneBlocked ? "PruneBlocked"
                                                          : "PruneFailed";
      event.note = outcome.detail;
      break;
    case Result::kInSync:
    case Result::kWaiting:
      return std::nullopt;
  }
  if (call.dry_run && event.type == EventType::kNormal) {
    event.reason = "DriftDetected";
    event.note += " (dry run)";
  }
  return event;
}

// The field a 422 says is immutable ("spec.template", "spec.clusterIPs[0]"), or "": the causes
// of kube-apiserver's ValidateImmutableField ("field is immutable") and of a Service's cluster
// IPs ("may not change once set").
std::string immutable_field(const kube::ApiError& error) {
  if (!error.is_invalid()) return {};
  for (const kube::StatusCause& cause : error.details().causes) {
    if (cause.message.ends_with("field is immutable") ||
        cause.message.find("may not change once set") != std::string::npos) {
      return cause.field;
    }
  }
  return {};
}

// target?fieldManager=...: the query the API client adds for its own verbs.
std::string with_field_manager(std::string target, std::string_view manager, bool dry_run) {
  target += "?fieldManager=" + kube::url_encode(manager);
  if (dry_run) target += "&dryRun=All";
  return target;
}

}  // namespace

std::string_view to_string(Result result) {
  switch (result) {
    case Result::kInSync: return "in_sync";
    case Result::kCreated: return "created";
    case Result::kCorrected: return "corrected";
    case Result::kPruned: return "pruned";
    case Result::kWaiting: return "waiting";
    case Result::kTransientError: return "transient_error";
    case Result::kPermanentError: return "permanent_error";
  }
  return "unknown";
}

bool is_failure(Result result) {
  return result == Result::kWaiting || result == Result::kTransientError ||
         result == Result::kPermanentError;
}

Reconciler::Reconciler(kube::Client& client, const LiveView& live, DesiredSource desired,
                       ReconcilerOptions options)
    : client_(client),
      live_(live),
      desired_(std::move(desired)),
      options_(std::move(options)),
      order_(std::make_unique<CreateOrder>()) {
  if (options_.registry != nullptr) {
    metrics_ = std::make_unique<ReconcileMetrics>(*options_.registry);
  }
}

Reconciler::~Reconciler() = default;

ReconcileStats Reconciler::stats() const {
  return {applies_.load(), prunes_.load(), in_sync_.load(), errors_.load()};
}

std::shared_ptr<const ApplyMemo> Reconciler::memo_for(const desired::DesiredObjectPtr& desired) {
  {
    std::lock_guard lock(memo_mu_);
    auto found = memos_.find(desired->key);
    if (found != memos_.end()) {
      if (found->second->desired == desired) return found->second;
      // A reload builds new objects for the whole source; an unchanged one keeps its memo, or a
      // normalised value would be applied again after every edit of a neighbouring file.
      if (desired::same_desired(*found->second->desired, *desired)) {
        auto kept = std::make_shared<ApplyMemo>(*found->second);
        kept->desired = desired;
        found->second = kept;
        return kept;
      }
    }
  }
  // A new desired object (or the first look at this key): a new body, no projection yet. Built
  // outside the lock; only this key's reconcile (one at a time) writes this entry.
  auto memo = std::make_shared<const ApplyMemo>(ApplyMemo::of(desired));
  remember(desired->key, memo);
  return memo;
}

void Reconciler::remember(const desired::ObjectKey& key, std::shared_ptr<const ApplyMemo> memo) {
  std::lock_guard lock(memo_mu_);
  memos_[key] = std::move(memo);
}

void Reconciler::forget(const desired::ObjectKey& key) {
  std::lock_guard lock(memo_mu_);
  memos_.erase(key);
  corrected_.erase(key);
}

boost::asio::awaitable<Reconciled> Reconciler::reconcile(desired::ObjectKey key,
                                                         std::string reconcile_id) {
  const auto started = std::chrono::steady_clock::now();
  const std::shared_ptr<const desired::DesiredState> snapshot = desired_();
  const auto found = snapshot->objects().find(key);
  const desired::DesiredObjectPtr desired =
      found != snapshot->objects().end() ? found->second : nullptr;
  const LiveLookup live = live_.find(key);
  const std::string resource = resource_label(live.type, key);
  // The memo is only needed (and only built) once the kind's cache can answer.
  const std::shared_ptr<const ApplyMemo> memo =
      desired && live.type && live.synced ? memo_for(desired) : nullptr;

  if (awaits_recreated(key, desired != nullptr, live)) {
    Reconciled done{{Result::kInSync, "re-created; the cache has not shown the new object yet"}};
    done.telemetry.resource = resource;
    done.telemetry.reconcile_id = reconcile_id;
    co_return done;
  }
  if (awaits_correction(key, live)) {
    Reconciled done{{Result::kInSync, "corrected; the cache has not shown the correction yet"}};
    done.telemetry.resource = resource;
    done.telemetry.reconcile_id = reconcile_id;
    record(key, done,
           std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    co_return done;
  }
  const Ours ours = [this](const rapidjson::Value& object) { return this->ours(object); };
  const Action action = plan(
      {.key = key, .state = *snapshot, .desired = desired.get(), .live = live, .memo = memo.get()},
      {.field_manager = options_.field_manager,
       .may_prune = options_.may_prune,
       .adopt = options_.adopt,
       .source_of_member = options_.source_of_member,
       .create_after = [&] { return order_->awaited(snapshot, key, live_); },
       .objects_in_namespace =
           [&](std::string_view ns) {
             return stewards_among(
                 [&](const LiveView::Visit& visit) { live_.visit_namespace(ns, visit); }, ours);
           },
       .objects_of_kind =
           [&](std::string_view group, std::string_view kind) {
             return stewards_among(
                 [&](const LiveView::Visit& visit) { live_.visit_kind(group, kind, visit); },
                 ours);
           },
       .departed = [&] { return departed(key); },
       .suspended = options_.suspended,
       .waiting_for = options_.waiting_for,
       .ignore_rules = options_.ignore_rules,
       .dry_run = dry_run_.load(),
       .namespace_exists =
           [&](std::string_view ns) {
             // Only steward's Namespaces are cached: one that exists without its marks counts
             // as absent, as its own plan (a create) has it. Not synced yet: not known, so sent.
             const LiveLookup found = live_.find({"", "Namespace", "", std::string(ns)});
             return !found.type || !found.synced || found.object != nullptr;
           }});
  const std::string ignored = note_ignored(key, resource, desired.get(), action, reconcile_id);

  Reconciled done;
  switch (action.step) {
    case Step::kNothing:
      if (!desired && !live.object) {
        forget(key);
        settle_departed(key);
      }
      // Drift left alone on purpose (reconcile: disabled, a suspended source) is still drift.
      if (action.drifted && metrics_) metrics_->drift_detected(resource);
      done.outcome = {Result::kInSync, action.detail};
      break;
    case Step::kRelease:
      done = co_await release(key, *live.type, *live.object, action, reconcile_id);
      break;
    case Step::kWait:
      done.outcome = {.result = Result::kWaiting,
                      .detail = action.detail,
                      .needs_scope = action.needs_scope,
                      .waits_for_cache = action.waits_for_cache};
      break;
    case Step::kFail:
      done.outcome = {.result = Result::kPermanentError,
                      .detail = action.detail,
                      .waits_for_cache = action.waits_for_cache};
      done.telemetry.error_reason = action.error_reason;
      break;
    case Step::kApply: {
      bool normalised = false;
      if (action.confirm_drift) normalised = co_await only_normalised(key, *live.type, *memo);
      if (normalised) {
        done.outcome = {Result::kInSync,
                        "differs from the manifest only as the server stored steward's apply"};
        break;
      }
      if (action.exists && metrics_) metrics_->drift_detected(resource);
      done = co_await apply(key, *live.type, *memo, action, live.object.get(), reconcile_id);
      if (action.exists && done.telemetry.object.uid.empty()) {
        done.telemetry.object.uid = std::string(kube::string_at(*live.object, {"metadata", "uid"}));
      }
      if (done.outcome.result == Result::kCorrected && done.telemetry.call != "recreate") {
        done.outcome.detail = action.detail;
        if (!ignored.empty()) done.outcome.detail += "; ignored " + ignored;
        // A dry run detects drift; it corrects nothing.
        if (metrics_ && !done.telemetry.dry_run) metrics_->drift_corrected(resource);
      }
      break;
    }
    case Step::kPrune:
      done = co_await prune(key, *live.type, *live.object, action, reconcile_id);
      break;
    case Step::kPlanned:
      // Not sent: the server would refuse it until the Namespace or CRD this dry run only plans
      // exists. Counted and logged as the dry-run create it stands for; --once is not held.
      done.outcome = {Result::kCreated, action.detail};
      done.telemetry.dry_run = true;
      break;
  }

  done.telemetry.resource = resource;
  done.telemetry.reconcile_id = reconcile_id;
  order_->record(key, done.outcome.result);
  record(key, done,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return done;
}

namespace {

// metadata.generation, or 0 when the object keeps none (a ConfigMap).
std::int64_t generation_of(const rapidjson::Value& object) {
  return health::int_field(object, {"metadata", "generation"}, 0);
}

}  // namespace

boost::asio::awaitable<bool> Reconciler::only_normalised(const desired::ObjectKey& key,
                                                         const kube::ResourceType& type,
                                                         const ApplyMemo& memo) {
  // A named string, not a ?: temporary: GCC 12 frees such a temporary wrongly across a co_await.
  const std::string ns = type.namespaced ? key.ns : std::string();
  const kube::ObjectReply fresh = co_await client_.get(type, ns, key.name);
  if (!fresh.ok() || applied_hash(*fresh.object) != memo.body.hash) co_return false;
  const rapidjson::Value* owned = applied_fields(*fresh.object, options_.field_manager);
  if (owned == nullptr || !drift_within(*memo.body.object, *fresh.object, *owned)) {
    co_return false;
  }
  remember(key, std::make_shared<const ApplyMemo>(memo.answered(*fresh.object)));
  co_return true;
}

boost::asio::awaitable<Reconciled> Reconciler::apply(const desired::ObjectKey& key,
                                                     const kube::ResourceType& type,
                                                     const ApplyMemo& memo, const Action& action,
                                                     const rapidjson::Value* live,
                                                     std::string_view reconcile_id) {
  const bool exists = action.exists;
  kube::ApplyOptions apply_options;
  apply_options.field_manager = options_.field_manager;
  apply_options.force = action.force;
  apply_options.dry_run = dry_run_.load();
  if (!writes_enabled_.load()) co_return not_leading();
  const std::string ns = type.namespaced ? key.ns : std::string();
  if (options_.cover) {
    // Superset first: the inventory lists the kind and namespace before an object of them exists,
    // so a crash right after the apply still leaves it findable.
    if (const Inventory::Result failed = co_await options_.cover(*memo.desired, type)) {
      errors_.fetch_add(1);
      Reconciled done{{failed->permanent ? Result::kPermanentError : Result::kTransientError,
                       "not applied: " + failed->message}};
      done.telemetry.error_reason = "InventoryNotWritten";
      co_return done;
    }
  }
  if (action.create_only) {
    // reconcile: disabled or ssa: IfNotPresent: created only if it does not exist at all (the
    // cache holds only objects with steward's marks). Not atomic: one made between this GET and
    // the apply is applied to, as a create always risks with server-side apply.
    const kube::ObjectReply existing = co_await client_.get(type, ns, key.name);
    if (!existing.ok() && !existing.error->is_not_found()) {
      co_return error_outcome(*existing.error, "get");
    }
    if (existing.ok()) {
      co_return Reconciled{{Result::kInSync,
                            "exists, left alone (" + desired::describe(memo.desired->opt_outs) +
                                ")"}};
    }
  }
  if (action.must_not_exist) {
    // adopt: Never. Server-side apply cannot say "create only", so a GET first (creates are
    // rare); one that exists with steward's marks is only not in the cache yet.
    const kube::ObjectReply existing = co_await client_.get(type, ns, key.name);
    if (!existing.ok() && !existing.error->is_not_found()) {
      co_return error_outcome(*existing.error, "get");
    }
    if (existing.ok() && owning_source(*existing.object).empty()) {
      co_return Reconciled{{Result::kPermanentError,
                            memo.desired->location.to_string() + ": " + key.to_string() +
                                " exists without steward's marks, and source " +
                                memo.desired->source + " has adopt: Never"}};
    }
  }
  // The body ignore rules adjusted, else the memo's; either way the memo's projection is made of
  // the memo's body, and plan() strips the ignored fields from it again.
  const rapidjson::Value& body = action.body ? *action.body : *memo.body.object;
  const kube::ObjectReply reply = co_await client_.apply(type, ns, body, apply_options);
  audit_write("apply", exists ? "correct" : "create", type, ns, key.name, apply_options.dry_run,
              kube::write_result(reply.error, reply.status), reconcile_id);
  ObjectReference object{std::string(kube::string_at(*memo.body.object, {"apiVersion"})),
                         key.kind, ns, key.name,
                         reply.ok() ? std::string(kube::string_at(*reply.object, {"metadata", "uid"}))
                                    : std::string()};
  if (!reply.ok()) {
    if (const std::string immutable = immutable_field(*reply.error); !immutable.empty()) {
      if (memo.desired->opt_outs.force_recreate && exists && live != nullptr) {
        co_return co_await recreate(key, type, memo, *live, immutable, reconcile_id);
      }
      Reconciled failed = error_outcome(*reply.error, "apply");
      failed.outcome.detail = memo.desired->location.to_string() + ": " + immutable +
                              " is immutable, not applied (" +
                              std::string(desired::kForceAnnotation) +
                              ": enabled deletes and re-creates the object): " +
                              failed.outcome.detail;
      co_return called(std::move(failed), "apply", std::move(object), apply_options.dry_run);
    }
    Reconciled failed = error_outcome(*reply.error, "apply");
    if (!apply_options.force && reply.error->is_conflict()) {
      // Another manager owns fields this manifest sets with other values: the object is theirs
      // until someone resolves it (or the source says adopt: Always). Retrying sooner than the
      // slowest backoff would change nothing.
      failed.outcome.result = Result::kPermanentError;
      failed.outcome.retry_in.reset();
      failed.outcome.detail = "not adopted: it exists without steward's marks and " +
                              failed.outcome.detail +
                              " (resolve the conflict, or set adopt: Always on the source)";
    }
    co_return called(std::move(failed), "apply", std::move(object), apply_options.dry_run);
  }
  if (!apply_options.dry_run) {
    if (exists && live != nullptr) {
      const std::string_view before = kube::string_at(*live, {"metadata", "resourceVersion"});
      if (before != kube::string_at(*reply.object, {"metadata", "resourceVersion"})) {
        std::lock_guard lock(memo_mu_);
        corrected_[key] = {std::string(before),
                           std::string(kube::string_at(*reply.object, {"metadata", "uid"})),
                           generation_of(*reply.object)};
      }
    }
    ApplyMemo next = memo.answered(*reply.object);
    if (!action.ignored.empty()) {
      next.projection = with_manifest_values(*next.projection, *memo.body.object, action.ignored);
    }
    remember(key, std::make_shared<const ApplyMemo>(std::move(next)));
    applies_.fetch_add(1);
  }
  co_return called({{exists ? Result::kCorrected : Result::kCreated,
                     apply_options.dry_run ? "dry run" : ""}},
                   "apply", std::move(object), apply_options.dry_run);
}

boost::asio::awaitable<Reconciled> Reconciler::prune(const desired::ObjectKey& key,
                                                     const kube::ResourceType& type,
                                                     const rapidjson::Value& live,
                                                     const Action& action,
                                                     std::string_view reconcile_id) {
  kube::DeleteOptions delete_options;
  // Deletes exactly the object the decision was made on: if it was replaced or changed since the
  // cache saw it, the server answers 409 and the next reconcile decides again.
  delete_options.uid = action.uid;
  delete_options.resource_version = action.resource_version;
  delete_options.dry_run = dry_run_.load();
  if (!writes_enabled_.load()) co_return not_leading();
  if (key.group.empty() && key.kind == "Namespace" && !prunes_with_contents(live)) {
    if (std::optional<Reconciled> kept = co_await keep_namespace(key, reconcile_id)) {
      co_return called(*std::move(kept), "prune",
                       {std::string(kube::string_at(live, {"apiVersion"})), key.kind, "",
                        key.name, delete_options.uid},
                       delete_options.dry_run);
    }
  }
  const std::string ns = type.namespaced ? key.ns : std::string();
  const kube::Reply reply = co_await client_.remove(type, ns, key.name, delete_options);
  audit_write("delete", "prune", type, ns, key.name, delete_options.dry_run,
              kube::write_result(reply.error, reply.response.status), reconcile_id);
  ObjectReference object{std::string(kube::string_at(live, {"apiVersion"})), key.kind, ns,
                         key.name, delete_options.uid};
  if (!reply.ok() && !reply.error->is_not_found()) {
    co_return called(error_outcome(*reply.error, "prune"), "prune", std::move(object),
                     delete_options.dry_run);
  }
  if (!delete_options.dry_run) {
    forget(key);
    prunes_.fetch_add(1);
  }
  co_return called({{Result::kPruned, delete_options.dry_run ? "dry run" : ""}}, "prune",
                   std::move(object), delete_options.dry_run);
}

boost::asio::awaitable<Reconciled> Reconciler::recreate(const desired::ObjectKey& key,
                                                        const kube::ResourceType& type,
                                                        const ApplyMemo& memo,
                                                        const rapidjson::Value& live,
                                                        const std::string& immutable,
                                                        std::string_view reconcile_id) {
  const std::string ns = type.namespaced ? key.ns : std::string();
  const bool dry_run = dry_run_.load();
  ObjectReference object{std::string(kube::string_at(*memo.body.object, {"apiVersion"})),
                         key.kind, ns, key.name,
                         std::string(kube::string_at(live, {"metadata", "uid"}))};
  const std::string why = immutable + " is immutable; " +
                          std::string(desired::kForceAnnotation) + ": enabled";
  reconcile_logger(key, type.qualified_resource(), reconcile_id)
      .warn("re-creating", {{"field", immutable}, {"dryRun", dry_run ? "true" : "false"}});
  if (dry_run) {
    // A dry-run delete leaves the object, so a dry-run apply after it would only be refused again.
    co_return called({{Result::kCorrected, why + " (dry run)"}}, "recreate", std::move(object),
                     true);
  }
  kube::DeleteOptions delete_options;
  // Exactly the object whose apply was refused: replaced or changed since, 409, and the next
  // reconcile decides again.
  delete_options.uid = object.uid;
  delete_options.resource_version = std::string(kube::string_at(live, {"metadata", "resourceVersion"}));
  if (!writes_enabled_.load()) co_return not_leading();
  const kube::Reply deleted = co_await client_.remove(type, ns, key.name, delete_options);
  audit_write("delete", "recreate", type, ns, key.name, false,
              kube::write_result(deleted.error, deleted.response.status), reconcile_id);
  if (!deleted.ok() && !deleted.error->is_not_found()) {
    co_return called(error_outcome(*deleted.error, "delete before re-create (" + why + ")"),
                     "recreate", std::move(object), false);
  }
  kube::ApplyOptions apply_options;
  apply_options.field_manager = options_.field_manager;
  if (!writes_enabled_.load()) co_return not_leading();
  const kube::ObjectReply reply =
      co_await client_.apply(type, ns, *memo.body.object, apply_options);
  audit_write("apply", "recreate", type, ns, key.name, false,
              kube::write_result(reply.error, reply.status), reconcile_id);
  if (!reply.ok()) {
    co_return called(error_outcome(*reply.error, "apply after delete (" + why + ")"), "recreate",
                     std::move(object), false);
  }
  object.uid = std::string(kube::string_at(*reply.object, {"metadata", "uid"}));
  remember(key, std::make_shared<const ApplyMemo>(memo.answered(*reply.object)));
  {
    std::lock_guard lock(memo_mu_);
    recreated_[key] = object.uid;
  }
  applies_.fetch_add(1);
  co_return called({{Result::kCorrected, why}}, "recreate", std::move(object), false);
}

boost::asio::awaitable<Reconciled> Reconciler::release(const desired::ObjectKey& key,
                                                       const kube::ResourceType& type,
                                                       const rapidjson::Value& live,
                                                       const Action& action,
                                                       std::string_view reconcile_id) {
  const std::string ns = type.namespaced ? key.ns : std::string();
  const bool dry_run = dry_run_.load();
  if (!writes_enabled_.load()) co_return not_leading();
  // A merge patch, not an apply: steward keeps owning the fields it applied (an apply without
  // them would remove them), and only its labels go. The resourceVersion makes it conditional:
  // changed since the cache saw it, 409, and the next reconcile decides again.
  rapidjson::Document patch(rapidjson::kObjectType);
  auto& alloc = patch.GetAllocator();
  rapidjson::Value labels(rapidjson::kObjectType);
  labels.AddMember(rapidjson::StringRef(kManagedByLabel.data(), kManagedByLabel.size()),
                   rapidjson::Value(), alloc);
  labels.AddMember(rapidjson::StringRef(kPartOfLabel.data(), kPartOfLabel.size()),
                   rapidjson::Value(), alloc);
  rapidjson::Value metadata(rapidjson::kObjectType);
  metadata.AddMember("labels", labels, alloc);
  metadata.AddMember("resourceVersion", rapidjson::Value(action.resource_version.c_str(), alloc),
                     alloc);
  patch.AddMember("metadata", metadata, alloc);
  // A named request: GCC 12 frees a temporary that lives across a co_await twice.
  kube::HttpRequest request{
      .method = "PATCH",
      .target = with_field_manager(type.object_path(ns, key.name), options_.field_manager, dry_run),
      .content_type = "application/merge-patch+json",
      .body = kube::to_json(patch),
      .verb = "patch"};
  const kube::Reply reply = co_await client_.request(std::move(request));
  audit_write("patch", "release", type, ns, key.name, dry_run,
              kube::write_result(reply.error, reply.response.status), reconcile_id);
  if (!reply.ok() && !reply.error->is_not_found()) {
    co_return error_outcome(*reply.error, "release from inventory");
  }
  const std::string member = member_key(live);
  reconcile_logger(key, type.qualified_resource(), reconcile_id)
      .info("released from inventory", {{"inventory", member},
                                        {"detail", action.detail},
                                        {"dryRun", dry_run ? "true" : "false"}});
  if (!dry_run) {
    forget(key);
    settle_departed(key);
  }
  co_return Reconciled{{Result::kInSync, action.detail + (dry_run ? " (dry run)" : "")}};
}

bool Reconciler::awaits_correction(const desired::ObjectKey& key, const LiveLookup& live) {
  std::lock_guard lock(memo_mu_);
  const auto found = corrected_.find(key);
  if (found == corrected_.end()) return false;
  const Correction& correction = found->second;
  if (live.object) {
    const rapidjson::Value& object = *live.object;
    if (kube::string_at(object, {"metadata", "resourceVersion"}) == correction.replaced_version) {
      return true;
    }
    if (correction.generation > 0 &&
        kube::string_at(object, {"metadata", "uid"}) == correction.uid &&
        generation_of(object) < correction.generation) {
      return true;
    }
  }
  corrected_.erase(found);
  return false;
}

bool Reconciler::awaits_recreated(const desired::ObjectKey& key, bool desired,
                                  const LiveLookup& live) {
  std::lock_guard lock(memo_mu_);
  const auto found = recreated_.find(key);
  if (found == recreated_.end()) return false;
  // Not desired any more: a prune decides on the cache as it is, and a later create starts over.
  if (!desired ||
      (live.object && kube::string_at(*live.object, {"metadata", "uid"}) == found->second)) {
    recreated_.erase(found);
    return false;
  }
  return true;
}

void Reconciler::note_departed(const desired::DesiredState& previous,
                               const std::vector<desired::ObjectKey>& removed) {
  std::lock_guard lock(departed_mu_);
  for (const auto& key : removed) {
    const desired::DesiredObject* was = previous.find(key);
    if (was != nullptr && was->opt_outs.keeps()) {
      departed_[key] = was->opt_outs;
    } else {
      departed_.erase(key);
    }
  }
}

std::optional<desired::OptOuts> Reconciler::departed(const desired::ObjectKey& key) const {
  std::lock_guard lock(departed_mu_);
  const auto found = departed_.find(key);
  if (found == departed_.end()) return std::nullopt;
  return found->second;
}

void Reconciler::settle_departed(const desired::ObjectKey& key) {
  std::lock_guard lock(departed_mu_);
  departed_.erase(key);
}

boost::asio::awaitable<std::optional<Reconciled>> Reconciler::keep_namespace(
    const desired::ObjectKey& key, std::string_view reconcile_id) {
  if (options_.discovery == nullptr) {
    co_return Reconciled{{Result::kPermanentError,
                          "Namespace " + key.name + " kept: no discovery to check its contents"}};
  }
  // Read afresh: a kind installed since the last read (someone's CRD) may have objects in it.
  if (const auto error = co_await options_.discovery->refresh()) {
    co_return error_outcome(*error, "discovery before pruning Namespace " + key.name);
  }
  const NamespaceContents contents =
      co_await check_namespace_contents(client_, resources_to_check(options_.discovery->resources()),
                                        key.name, [this](const rapidjson::Value& object) {
                                          return ours(object);
                                        });
  if (contents.empty()) co_return std::nullopt;
  // The contents may go: retried at the slowest backoff, as a permanent error is.
  Reconciled kept{{Result::kPermanentError, contents.describe(key.name)}};
  kept.telemetry.error_reason = std::string(kPruneBlocked);
  reconcile_logger(key, "namespaces", reconcile_id)
      .warn("prune blocked", {{"reason", "namespace-not-empty"}, {"detail", kept.outcome.detail}});
  if (metrics_) metrics_->prune_blocked("namespace-not-empty");
  co_return kept;
}

std::string Reconciler::note_ignored(const desired::ObjectKey& key, const std::string& resource,
                                     const desired::DesiredObject* desired, const Action& action,
                                     std::string_view reconcile_id) {
  if (desired == nullptr || action.ignored.empty()) return {};
  std::string kept;
  std::size_t count = 0;
  for (const IgnoredField& field : action.ignored) {
    if (!field.kept_from_write) continue;
    ++count;
    kept += (kept.empty() ? "" : "; ") + field.pointer + " by " + field.rule + " (" +
            std::string(to_string(field.treatment)) + ")";
  }
  if (count == 0) return {};
  if (metrics_) metrics_->ignored_fields(desired->source, static_cast<double>(count));
  if (action.step == Step::kNothing) {
    // In sync only because of the rules: say which, or the difference looks like a bug.
    reconcile_logger(key, resource, reconcile_id)
        .info("drift ignored", {{"source", desired->source}, {"fields", kept}});
  }
  return kept;
}

bool Reconciler::ours(const rapidjson::Value& object) const {
  return applied_by(object, options_.field_manager) &&
         member_source(object, options_.source_of_member).has_value();
}

Reconciled Reconciler::error_outcome(const kube::ApiError& error, std::string_view action) {
  // Leadership ended while the write was waiting or on the wire: not the object's error.
  if (error.is_fenced()) return not_leading();
  errors_.fetch_add(1);
  Reconciled done{{.result = error.transient_for_reconcile() ? Result::kTransientError
                                                              : Result::kPermanentError,
                   .detail = std::string(action) + ": " + error.to_string(),
                   .retry_in = error.circuit_retry_in()}};
  done.telemetry.error_reason = std::string(kube::reason_label(error));
  return done;
}

void Reconciler::record(const desired::ObjectKey& key, const Reconciled& done, double seconds) {
  const Outcome& outcome = done.outcome;
  const std::string& resource = done.telemetry.resource;
  if (outcome.result == Result::kInSync) in_sync_.fetch_add(1);
  if (metrics_) {
    metrics_->reconciled(resource, to_string(outcome.result), seconds);
    if (outcome.result == Result::kTransientError || outcome.result == Result::kPermanentError) {
      const std::string& reason = done.telemetry.error_reason;
      metrics_->error(resource, reason.empty() ? "Unknown" : reason);
    }
    if (outcome.result == Result::kPruned && !done.telemetry.dry_run) metrics_->pruned(resource);
  }
  record_event(key, done);
}

void Reconciler::record_event(const desired::ObjectKey& key, const Reconciled& done) {
  const std::optional<EventRecord> event = event_for(done);
  if (!event) return;
  if (done.telemetry.dry_run) {
    // A dry run writes nothing, Events included: the log says what the Event would have said.
    const ObjectReference& ref = event->regarding;
    reconcile_logger(key, done.telemetry.resource, done.telemetry.reconcile_id)
        .info("dry run: event not written",
              {{"type", to_string(event->type)},
               {"reason", event->reason},
               {"object", ref.api_version + " " + ref.kind + " " +
                              (ref.ns.empty() ? ref.name : ref.ns + "/" + ref.name)},
               {"note", event->note}});
    return;
  }
  if (options_.events != nullptr) options_.events->record(*event);
}

}  // namespace steward::reconcile
