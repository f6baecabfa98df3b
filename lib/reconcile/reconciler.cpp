#include "reconcile/reconciler.hpp"

#include <chrono>

#include "observe/audit.hpp"
#include "reconcile/create_order.hpp"
#include "reconcile/drift.hpp"
#include "reconcile/event_recorder.hpp"
#include "reconcile/reconcile_log.hpp"
#include "reconcile/reconcile_metrics.hpp"

namespace steward::reconcile {
namespace {

// Leadership was lost (or never held): the write is not sent, and the key waits with backoff.
Outcome not_leading() { return {Result::kWaiting, "not the leader: writes are off"}; }

bool being_deleted(const rapidjson::Value& live) {
  const auto metadata = live.FindMember("metadata");
  return metadata != live.MemberEnd() && metadata->value.IsObject() &&
         metadata->value.HasMember("deletionTimestamp");
}

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

// An outcome of an API call: what it was and what it was about.
Outcome called(Outcome outcome, std::string_view call, ObjectReference object, bool dry_run) {
  outcome.call = call;
  outcome.object = std::move(object);
  outcome.dry_run = dry_run;
  return outcome;
}

// The Kubernetes Event for an outcome: creates, corrections, prunes and failed calls; nothing for
// in-sync, waiting, or a failure before any call. In dry run nothing changed, so every change is
// only DriftDetected.
std::optional<EventRecord> event_for(const Outcome& outcome) {
  if (outcome.call.empty() || outcome.object.empty()) return std::nullopt;
  EventRecord event{.regarding = outcome.object,
                    .action = outcome.call == "prune" ? "Prune" : "Apply"};
  switch (outcome.result) {
    case Result::kCreated:
      event.reason = "Created";
      event.note = outcome.dry_run ? "missing: would be created" : "created by server-side apply";
      break;
    case Result::kCorrected:
      event.reason = "DriftCorrected";
      event.note = (outcome.dry_run ? "would be corrected (" : "corrected by server-side apply (") +
                   outcome.detail + ")";
      break;
    case Result::kPruned:
      event.reason = "Pruned";
      event.note = outcome.dry_run ? "no longer desired: would be pruned"
                                   : "deleted: no longer in the desired state";
      break;
    case Result::kTransientError:
    case Result::kPermanentError:
      event.type = EventType::kWarning;
      event.reason = outcome.call == "prune" ? "PruneFailed" : "ApplyFailed";
      event.note = outcome.detail;
      break;
    case Result::kInSync:
    case Result::kWaiting:
      return std::nullopt;
  }
  if (outcome.dry_run && event.type == EventType::kNormal) {
    event.reason = "DriftDetected";
    event.note += " (dry run)";
  }
  return event;
}

// Whether a CustomResourceDefinition serves `version` (apiextensions v1 `versions`, or v1beta1's
// single `version`).
bool serves_version(const rapidjson::Value& crd, std::string_view version) {
  if (kube::string_at(crd, {"spec", "version"}) == version) return true;
  const auto spec = crd.FindMember("spec");
  if (spec == crd.MemberEnd() || !spec->value.IsObject()) return false;
  const auto versions = spec->value.FindMember("versions");
  if (versions == spec->value.MemberEnd() || !versions->value.IsArray()) return false;
  for (const auto& entry : versions->value.GetArray()) {
    if (!entry.IsObject() || kube::string_at(entry, {"name"}) != version) continue;
    const auto served = entry.FindMember("served");
    return served == entry.MemberEnd() || !served->value.IsBool() || served->value.GetBool();
  }
  return false;
}

// The name of a CustomResourceDefinition in `state` that will serve `api_version` `kind` once it
// is established, or "".
std::string defining_crd(const desired::DesiredState& state, std::string_view api_version,
                         std::string_view kind) {
  const auto [group, version] = kube::split_api_version(api_version);
  const desired::ObjectKey first{"apiextensions.k8s.io", "CustomResourceDefinition", "", ""};
  for (auto it = state.objects().lower_bound(first);
       it != state.objects().end() && it->first.group == first.group &&
       it->first.kind == first.kind;
       ++it) {
    const rapidjson::Value& crd = *it->second->object;
    if (kube::string_at(crd, {"spec", "group"}) == group &&
        kube::string_at(crd, {"spec", "names", "kind"}) == kind && serves_version(crd, version)) {
      return it->first.name;
    }
  }
  return {};
}

// A desired object whose kind the API server does not serve. It waits while a CRD in the desired
// state will serve it (steward applies CRDs first) or discovery has not answered; otherwise
// nothing steward does will serve it, which is permanent, as `kubectl apply` refuses it at once
// ("no matches for kind"): --once ends instead of waiting out its timeout. Someone else may still
// install the CRD, so it waits for the kind's cache as well: reconciled once that syncs, not after
// the slowest backoff. Every message starts with the manifest's place, so the mistake (a typo in
// apiVersion or kind, a CRD not installed) is found where it is written.
Outcome kind_not_served(const desired::DesiredState& state, const desired::DesiredObject& desired,
                        std::string_view api_version, bool not_served) {
  const std::string what = desired.location.to_string() + ": no matches for kind \"" +
                           desired.key.kind + "\" in version \"" + std::string(api_version) +
                           "\"";
  // Waiting for the kind's cache: parked until it syncs (Controller::park), not retried blind.
  if (const std::string crd = defining_crd(state, api_version, desired.key.kind); !crd.empty()) {
    return {.result = Result::kWaiting,
            .detail = what + " yet; CustomResourceDefinition " + crd +
                      " in the desired state will serve it",
            .waits_for_cache = true};
  }
  if (!not_served) {
    return {.result = Result::kWaiting,
            .detail = what + " yet (discovery has not answered)",
            .waits_for_cache = true};
  }
  Outcome outcome{Result::kPermanentError,
                  what + ": the API server does not serve it and no CustomResourceDefinition in "
                         "the desired state defines it (install the CRD, or correct apiVersion "
                         "and kind)"};
  outcome.error_reason = "NotFound";
  outcome.waits_for_cache = true;
  return outcome;
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

std::shared_ptr<const Reconciler::Memo> Reconciler::memo_for(
    const desired::DesiredObjectPtr& desired) {
  {
    std::lock_guard lock(memo_mu_);
    auto found = memos_.find(desired->key);
    if (found != memos_.end()) {
      if (found->second->desired == desired) return found->second;
      // A reload builds new objects for the whole source; an unchanged one keeps its memo, or a
      // normalised value would be applied again after every edit of a neighbouring file.
      if (desired::same_desired(*found->second->desired, *desired)) {
        auto kept = std::make_shared<Memo>(*found->second);
        kept->desired = desired;
        found->second = kept;
        return kept;
      }
    }
  }
  // A new desired object (or the first look at this key): a new body, no projection yet. Built
  // outside the lock; only this key's reconcile (one at a time) writes this entry.
  auto memo = std::make_shared<Memo>();
  memo->desired = desired;
  memo->body = make_apply_body(*desired);
  std::lock_guard lock(memo_mu_);
  memos_[desired->key] = memo;
  return memo;
}

void Reconciler::remember_apply(const desired::ObjectKey& key,
                                const std::shared_ptr<const Memo>& memo,
                                const rapidjson::Value& answer) {
  auto next = std::make_shared<Memo>(*memo);
  auto projection = std::make_shared<rapidjson::Document>();
  rapidjson::Value projected = project(*memo->body.object, answer, projection->GetAllocator());
  static_cast<rapidjson::Value&>(*projection).Swap(projected);
  next->projection = std::move(projection);
  std::lock_guard lock(memo_mu_);
  memos_[key] = std::move(next);
}

void Reconciler::forget(const desired::ObjectKey& key) {
  std::lock_guard lock(memo_mu_);
  memos_.erase(key);
}

boost::asio::awaitable<Outcome> Reconciler::reconcile(desired::ObjectKey key,
                                                      std::string reconcile_id) {
  const auto started = std::chrono::steady_clock::now();
  const std::shared_ptr<const desired::DesiredState> snapshot = desired_();
  const auto found = snapshot->objects().find(key);
  const desired::DesiredObjectPtr desired =
      found != snapshot->objects().end() ? found->second : nullptr;
  const std::string api_version =
      desired ? std::string(kube::string_at(*desired->object, {"apiVersion"})) : std::string();
  const LiveLookup live = live_.find(key);
  const std::string resource = resource_label(live.type, key);

  Outcome outcome;
  if (!live.type) {
    // Not served: a CRD not created yet, a kind nothing serves, or a kind that went away with its
    // objects.
    outcome = desired ? kind_not_served(*snapshot, *desired, api_version, live.not_served)
                      : Outcome{Result::kInSync, "kind not served"};
  } else if (!live.synced) {
    outcome = {.result = Result::kWaiting,
               .detail = "cache of " + live.type->qualified_resource() + " not synced",
               .waits_for_cache = true};
  } else if (desired) {
    if (desired->scope_unknown && live.type->namespaced && key.ns.empty()) {
      // Loaded before discovery knew the kind: its namespace is not defaulted yet, and the key
      // would not match the live object's. A reload with the kind known fixes the key.
      outcome = {Result::kWaiting, "namespace of " + key.to_string() + " not resolved yet", true};
    } else {
      const auto memo = memo_for(desired);
      if (!live.object) {
        if (const auto awaited = order_->awaited(snapshot, key, live_)) {
          outcome = {Result::kWaiting, "created after " + awaited->to_string() + " (apply order)"};
        } else {
          outcome = co_await apply(key, *live.type, memo, false, reconcile_id);
        }
      } else {
        const bool applied_this = applied_hash(*live.object) == memo->body.hash;
        const rapidjson::Value& reference =
            memo->projection ? static_cast<const rapidjson::Value&>(*memo->projection)
                             : static_cast<const rapidjson::Value&>(*memo->body.object);
        const Drift drift = find_drift(reference, *live.object);
        if (!drift.drifted) {
          outcome = {Result::kInSync, ""};
        } else {
          if (metrics_) metrics_->drift_detected(resource);
          outcome = co_await apply(key, *live.type, memo, true, reconcile_id);
          if (outcome.object.uid.empty()) {
            outcome.object.uid = std::string(kube::string_at(*live.object, {"metadata", "uid"}));
          }
          if (outcome.result == Result::kCorrected) {
            outcome.detail = !applied_this ? std::string("desired state changed")
                             : drift.path + " " + drift.reason;
            // A dry run detects drift; it corrects nothing.
            if (metrics_ && !outcome.dry_run) metrics_->drift_corrected(resource);
          }
        }
      }
    }
  } else if (!live.object) {
    forget(key);
    outcome = {Result::kInSync, "absent"};
  } else {
    const std::string_view source = owning_source(*live.object);
    if (source.empty()) {
      outcome = {Result::kInSync, "not steward's"};
    } else if (being_deleted(*live.object)) {
      outcome = {Result::kInSync, "being deleted"};
    } else {
      switch (options_.may_prune ? options_.may_prune(source) : PruneVerdict::kOff) {
        case PruneVerdict::kAllowed:
          outcome = co_await prune(key, *live.type, live.object, reconcile_id);
          break;
        case PruneVerdict::kOff:
          outcome = {Result::kInSync, "prune not allowed for source " + std::string(source)};
          break;
        case PruneVerdict::kRefused:
          outcome = {Result::kPermanentError,
                     "not pruned: source " + std::string(source) +
                         " would lose more than its pruneFraction of managed objects"};
          break;
        case PruneVerdict::kUndecided:
          outcome = {Result::kWaiting, "prune waits until every cache has synced"};
          break;
      }
    }
  }

  outcome.resource = resource;
  outcome.reconcile_id = reconcile_id;
  order_->record(key, outcome.result);
  record(key, outcome,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return outcome;
}

boost::asio::awaitable<Outcome> Reconciler::apply(const desired::ObjectKey& key,
                                                  const kube::ResourceType& type,
                                                  std::shared_ptr<const Memo> memo, bool exists,
                                                  std::string_view reconcile_id) {
  kube::ApplyOptions apply_options;
  apply_options.field_manager = options_.field_manager;
  apply_options.force = true;
  apply_options.dry_run = dry_run_.load();
  if (!writes_enabled_.load()) co_return not_leading();
  const std::string ns = type.namespaced ? key.ns : std::string();
  const kube::ObjectReply reply =
      co_await client_.apply(type, ns, *memo->body.object, apply_options);
  audit_write("apply", exists ? "correct" : "create", type, ns, key.name, apply_options.dry_run,
              kube::write_result(reply.error, reply.status), reconcile_id);
  ObjectReference object{std::string(kube::string_at(*memo->body.object, {"apiVersion"})),
                         key.kind, ns, key.name,
                         reply.ok() ? std::string(kube::string_at(*reply.object, {"metadata", "uid"}))
                                    : std::string()};
  if (!reply.ok()) {
    co_return called(error_outcome(*reply.error, "apply"), "apply", std::move(object),
                     apply_options.dry_run);
  }
  if (!apply_options.dry_run) {
    remember_apply(key, memo, *reply.object);
    applies_.fetch_add(1);
  }
  co_return called(Outcome{exists ? Result::kCorrected : Result::kCreated,
                           apply_options.dry_run ? "dry run" : ""},
                   "apply", std::move(object), apply_options.dry_run);
}

boost::asio::awaitable<Outcome> Reconciler::prune(const desired::ObjectKey& key,
                                                  const kube::ResourceType& type,
                                                  const kube::ObjectPtr& live,
                                                  std::string_view reconcile_id) {
  kube::DeleteOptions delete_options;
  // Deletes exactly the object the decision was made on: if it was replaced or changed since the
  // cache saw it, the server answers 409 and the next reconcile decides again.
  delete_options.uid = std::string(kube::string_at(*live, {"metadata", "uid"}));
  delete_options.resource_version =
      std::string(kube::string_at(*live, {"metadata", "resourceVersion"}));
  delete_options.dry_run = dry_run_.load();
  if (!writes_enabled_.load()) co_return not_leading();
  const std::string ns = type.namespaced ? key.ns : std::string();
  const kube::Reply reply = co_await client_.remove(type, ns, key.name, delete_options);
  audit_write("delete", "prune", type, ns, key.name, delete_options.dry_run,
              kube::write_result(reply.error, reply.response.status), reconcile_id);
  ObjectReference object{std::string(kube::string_at(*live, {"apiVersion"})), key.kind, ns,
                         key.name, delete_options.uid};
  if (!reply.ok() && !reply.error->is_not_found()) {
    co_return called(error_outcome(*reply.error, "prune"), "prune", std::move(object),
                     delete_options.dry_run);
  }
  if (!delete_options.dry_run) {
    forget(key);
    prunes_.fetch_add(1);
  }
  co_return called(Outcome{Result::kPruned, delete_options.dry_run ? "dry run" : ""}, "prune",
                   std::move(object), delete_options.dry_run);
}

Outcome Reconciler::error_outcome(const kube::ApiError& error, std::string_view action) {
  errors_.fetch_add(1);
  Outcome outcome{error.transient_for_reconcile() ? Result::kTransientError : Result::kPermanentError,
                  std::string(action) + ": " + error.to_string()};
  outcome.error_reason = std::string(kube::reason_label(error));
  outcome.retry_in = error.circuit_retry_in();
  return outcome;
}

void Reconciler::record(const desired::ObjectKey& key, const Outcome& outcome, double seconds) {
  const std::string& resource = outcome.resource;
  if (outcome.result == Result::kInSync) in_sync_.fetch_add(1);
  if (metrics_) {
    metrics_->reconciled(resource, to_string(outcome.result), seconds);
    if (outcome.result == Result::kTransientError || outcome.result == Result::kPermanentError) {
      metrics_->error(resource, outcome.error_reason.empty() ? "Unknown" : outcome.error_reason);
    }
    if (outcome.result == Result::kPruned && !outcome.dry_run) metrics_->pruned(resource);
  }
  record_event(key, outcome);
}

void Reconciler::record_event(const desired::ObjectKey& key, const Outcome& outcome) {
  const std::optional<EventRecord> event = event_for(outcome);
  if (!event) return;
  if (outcome.dry_run) {
    // A dry run writes nothing, Events included: the log says what the Event would have said.
    const ObjectReference& ref = event->regarding;
    reconcile_logger(key, outcome.resource, outcome.reconcile_id)
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
