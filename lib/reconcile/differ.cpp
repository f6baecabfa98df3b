#include "reconcile/differ.hpp"

#include <map>
#include <set>

#include "desired/desired_state_store.hpp"
#include "informer/reflector.hpp"
#include "kube/resource.hpp"
#include "reconcile/drift.hpp"
#include "reconcile/object_diff.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/secret_mask.hpp"

namespace steward::reconcile {
namespace {

namespace asio = boost::asio;

// "apps/v1/Deployment/default/web", "v1/Namespace/team-a": the name of a side of a diff.
std::string object_path(std::string_view api_version, const desired::ObjectKey& key) {
  std::string out(api_version);
  out.append("/").append(key.kind).append("/");
  if (!key.ns.empty()) out.append(key.ns).append("/");
  return out.append(key.name);
}

}  // namespace

// One run: the desired state it loaded and the report it fills.
class Differ::Run {
 public:
  Run(Differ& differ) : d_(differ) {}

  asio::awaitable<DiffReport> run() {
    if (auto error = co_await d_.discovery_.refresh()) {
      report_.errors.push_back("discovery: " + error->to_string());
      co_return std::move(report_);
    }
    const auto state = load_sources();
    if (!state) co_return std::move(report_);
    for (const auto& entry : state->objects()) co_await diff_object(*state, entry.second);
    co_await diff_prunes(*state);
    co_return std::move(report_);
  }

 private:
  // Every source, with scopes from discovery as the daemon loads them; null if any fails.
  std::shared_ptr<const desired::DesiredState> load_sources() {
    desired::LoaderOptions options;
    options.is_namespaced = discovery_scopes(d_.discovery_);
    desired::DesiredStateStore store;
    bool ok = true;
    for (const SourceOptions& source : d_.sources_) {
      const desired::StoreUpdate update = store.apply(desired::load_source(source.spec, options));
      for (const auto& error : update.errors) report_.load_errors.push_back(error.to_string());
      ok = ok && update.accepted;
    }
    return ok ? store.current() : nullptr;
  }

  asio::awaitable<void> diff_object(const desired::DesiredState& state,
                                    const desired::DesiredObjectPtr& desired) {
    const desired::ObjectKey& key = desired->key;
    const ApplyMemo memo = ApplyMemo::of(desired);
    const std::string_view api_version = kube::string_at(*desired->object, {"apiVersion"});
    LiveLookup live{.type = d_.discovery_.find(api_version, key.kind), .synced = true};
    live.not_served = !live.type;
    if (live.type) {
      const std::string ns = live.type->namespaced ? key.ns : std::string();
      kube::ObjectReply reply = co_await d_.client_.get(*live.type, ns, key.name);
      if (!reply.ok() && !reply.error->is_not_found()) {
        fail(key.to_string() + ": get: " + reply.error->to_string());
        co_return;
      }
      live.object = std::move(reply.object);
    }
    const PlanPolicy policy{.adopt = [this](std::string_view source) { return adopt(source); },
                            .source_of_member = [this](std::string_view member) {
                              return source_of_member(d_.sources_, member);
                            },
                            .suspended = [this](std::string_view source) {
                              return suspended(source);
                            },
                            .ignore_rules = [this](std::string_view source) {
                              return ignore_rules(source);
                            },
                            .dry_run = true};
    const Action action = plan({key, state, desired.get(), live, &memo}, policy);
    if (live.object) note_ignored(key, *desired->object, *live.object, action);
    const rapidjson::Value& body = action.body ? *action.body : *memo.body.object;
    if (action.step == Step::kPlanned || (action.step == Step::kApply && !action.exists)) {
      // Not there, or its kind is only served once a CRD of the desired state is: it would be
      // created.
      const SecretMask sides(nullptr, &body);
      show(key, ObjectChange::Kind::kCreate,
           object_diff(sides.before(), sides.after(), "/dev/null",
                       "desired/" + object_path(api_version, key)));
      co_return;
    }
    if (action.step == Step::kNothing) {
      if (action.held) report_.kept.push_back(key.to_string() + ": " + action.detail);
      co_return;
    }
    if (action.step != Step::kApply) {
      fail(key.to_string() + ": " + action.detail);
      co_return;
    }
    const std::string ns = live.type->namespaced ? key.ns : std::string();
    kube::ApplyOptions dry_run;
    dry_run.dry_run = true;
    dry_run.force = action.force;
    const kube::ObjectReply answer =
        co_await d_.client_.apply(*live.type, ns, body, dry_run);
    if (!answer.ok()) {
      fail(key.to_string() + ": dry-run apply: " + answer.error->to_string());
      co_return;
    }
    const ApplyMemo answered = memo.answered(*answer.object);
    if (plan({key, state, desired.get(), live, &answered}, policy).step == Step::kNothing) {
      co_return;  // the server only normalised values
    }
    rapidjson::Document scratch;
    const rapidjson::Value before = project(*memo.body.object, *live.object, scratch.GetAllocator());
    const std::string path = object_path(api_version, key);
    const SecretMask sides(&before, answered.projection.get());
    show(key, ObjectChange::Kind::kUpdate,
         object_diff(sides.before(), sides.after(), "live/" + path, "desired/" + path));
  }

  // Listed per kind of the desired state with the ownership selector, as the daemon's informers
  // see them.
  asio::awaitable<void> diff_prunes(const desired::DesiredState& state) {
    std::set<std::string, std::less<>> pruned_sources;
    for (const auto& source : d_.sources_) {
      if (source.prune) pruned_sources.insert(source.spec.name);
    }
    if (pruned_sources.empty()) co_return;
    const PlanPolicy policy{.may_prune =
                                [&](std::string_view source) {
                                  return pruned_sources.contains(source) ? PruneVerdict::kAllowed
                                                                         : PruneVerdict::kOff;
                                },
                            .source_of_member = [this](std::string_view member) {
                              return source_of_member(d_.sources_, member);
                            },
                            .suspended = [this](std::string_view source) {
                              return suspended(source);
                            }};
    std::set<std::pair<std::string, std::string>> listed;  // (group, kind)
    std::map<desired::ObjectKey, std::shared_ptr<kube::Object>> removed;
    for (const auto& [api_version, kind] : state.types()) {
      const auto type = d_.discovery_.find(api_version, kind);
      if (!type || !listed.insert({type->group, type->kind}).second) continue;
      kube::ListOptions options;
      options.label_selector = std::string(kOwnershipSelector);
      kube::ListReply list = co_await d_.client_.list_all(*type, "", options);
      if (!list.ok()) {
        fail("list " + type->qualified_resource() + ": " + list.error->to_string());
        continue;
      }
      for (auto& item : list.items) {
        desired::ObjectKey key = key_of(*item);
        if (state.find(key) != nullptr) continue;
        const LiveLookup live{.type = type, .synced = true, .object = item};
        const Action action = plan({key, state, nullptr, live, nullptr}, policy);
        if (action.step == Step::kPrune) {
          removed.emplace(std::move(key), std::move(item));
        } else if (action.step == Step::kRelease || action.held) {
          report_.kept.push_back(key.to_string() + ": " + action.detail);
        }
      }
    }
    for (const auto& [key, live] : removed) {
      informer::default_transform(*live);  // managedFields: noise, and not what is deleted
      const std::string path = object_path(kube::string_at(*live, {"apiVersion"}), key);
      const SecretMask sides(live.get(), nullptr);
      show(key, ObjectChange::Kind::kRemove,
           object_diff(sides.before(), sides.after(), "live/" + path, "/dev/null"));
    }
  }

  void show(const desired::ObjectKey& key, ObjectChange::Kind kind, std::string diff) {
    if (!diff.empty()) report_.changes.push_back({key, kind, std::move(diff)});
  }

  void fail(std::string message) { report_.errors.push_back(std::move(message)); }

  // The named source's options; null when there is none.
  const SourceOptions* source_named(std::string_view name) const {
    for (const auto& s : d_.sources_) {
      if (s.spec.name == name) return &s;
    }
    return nullptr;
  }

  bool suspended(std::string_view source) const {
    const SourceOptions* found = source_named(source);
    return found && found->suspend;
  }

  std::vector<IgnoreRule> ignore_rules(std::string_view source) const {
    const SourceOptions* found = source_named(source);
    return found ? found->ignore : std::vector<IgnoreRule>();
  }

  // Each field an ignore rule keeps from the apply, with both values: shown beside the diff,
  // never as a change to make.
  void note_ignored(const desired::ObjectKey& key, const rapidjson::Value& manifest,
                    const rapidjson::Value& live, const Action& action) {
    const auto value_at = [](const rapidjson::Value& root, const std::vector<std::string>& tokens) {
      const rapidjson::Value* node = &root;
      for (const std::string& token : tokens) {
        if (!node->IsObject()) return std::string("(absent)");
        const auto found = node->FindMember(rapidjson::StringRef(token.c_str()));
        if (found == node->MemberEnd()) return std::string("(absent)");
        node = &found->value;
      }
      return kube::to_json(*node);
    };
    const bool secret = key.group.empty() && key.kind == "Secret";
    for (const IgnoredField& field : action.ignored) {
      if (!field.kept_from_write) continue;
      std::string line = key.to_string() + ": " + field.pointer + " ignored by " + field.rule;
      if (!secret) {
        line += ": live " + value_at(live, field.tokens) + ", manifest " +
                value_at(manifest, field.tokens);
      }
      line += field.treatment == Treatment::kLive ? " (steward keeps the live value)"
                                                  : " (left to its owner)";
      report_.ignored.push_back(std::move(line));
    }
  }

  Adopt adopt(std::string_view source) const {
    const SourceOptions* found = source_named(source);
    return found ? found->adopt : Adopt::kIfNoConflict;
  }

  Differ& d_;
  DiffReport report_;
};

asio::awaitable<DiffReport> Differ::run() {
  Run run(*this);
  co_return co_await run.run();
}

}  // namespace steward::reconcile
