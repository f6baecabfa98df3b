#include "reconcile/inventory.hpp"

#include <rapidjson/document.h>

#include <boost/asio/io_context.hpp>
#include <chrono>

#include "desired/applyset.hpp"
#include "kube/async_semaphore.hpp"
#include "kube/resource.hpp"
#include "observe/audit.hpp"
#include "observe/log.hpp"

namespace steward::reconcile {
namespace {

const observe::Logger kLog{"inventory"};

const kube::ResourceType kSecrets{"", "v1", "secrets", "Secret", true};

// A write waits this long for the previous one of its source; each is one API call, bounded by the
// client's own deadline.
constexpr auto kWriteWait = std::chrono::seconds(90);

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    const std::size_t end = text.find(separator);
    std::string_view part = text.substr(0, end);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) parts.push_back(part);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return parts;
}

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

rapidjson::Value text(std::string_view value, rapidjson::Document::AllocatorType& allocator) {
  return rapidjson::Value(value.data(), static_cast<rapidjson::SizeType>(value.size()), allocator);
}

// Gives a held permit back however the coroutine leaves.
struct Held {
  kube::AsyncSemaphore& semaphore;
  ~Held() { semaphore.release(); }
};

}  // namespace

bool InventoryContents::covers(const InventoryContents& other) const {
  for (const auto& kind : other.kinds) {
    if (!kinds.contains(kind)) return false;
  }
  for (const auto& ns : other.namespaces) {
    if (!namespaces.contains(ns)) return false;
  }
  return true;
}

void InventoryContents::add(const InventoryContents& other) {
  kinds.insert(other.kinds.begin(), other.kinds.end());
  namespaces.insert(other.namespaces.begin(), other.namespaces.end());
}

std::string format_group_kinds(const std::set<GroupKind>& kinds) {
  // Sorted by the text written, as kubectl sorts it, not by (group, kind).
  std::set<std::string> names;
  for (const auto& gk : kinds) names.insert(gk.group.empty() ? gk.kind : gk.kind + "." + gk.group);
  return join(names);
}

std::set<GroupKind> parse_group_kinds(std::string_view text) {
  std::set<GroupKind> kinds;
  for (std::string_view entry : split(text, ',')) {
    // Kinds have no '.', groups are DNS subdomains: the first '.' separates them.
    const std::size_t dot = entry.find('.');
    if (dot == std::string_view::npos) {
      kinds.insert({"", std::string(entry)});
    } else {
      kinds.insert({std::string(entry.substr(dot + 1)), std::string(entry.substr(0, dot))});
    }
  }
  return kinds;
}

struct Inventory::Parent {
  explicit Parent(boost::asio::io_context& io) : lock(io, 1) {}
  kube::AsyncSemaphore lock;  // one read or write of this parent at a time
  std::optional<InventoryContents> known;
  std::string resource_version;  // of the parent last read or written; "" when there is none
};

Inventory::Inventory(boost::asio::io_context& io, kube::Client& client, InventoryOptions options)
    : io_(io), client_(client), options_(std::move(options)) {}

Inventory::~Inventory() = default;

std::string Inventory::parent_name(std::string_view source) const {
  return desired::applyset_parent_name(options_.instance, source);
}

std::string Inventory::applyset_id(std::string_view source) const {
  return desired::applyset_id(parent_name(source), options_.ns);
}

Inventory::Parent& Inventory::parent(const std::string& source) {
  std::lock_guard lock(mu_);
  auto& slot = parents_[source];
  if (!slot) slot = std::make_unique<Parent>(io_);
  return *slot;
}

std::optional<InventoryContents> Inventory::contents(std::string_view source) const {
  std::lock_guard lock(mu_);
  const auto found = parents_.find(source);
  if (found == parents_.end()) return std::nullopt;
  return found->second->known;
}

void Inventory::forget() {
  std::lock_guard lock(mu_);
  for (auto& [source, parent] : parents_) parent->known.reset();
}

void Inventory::set_dry_run(bool dry_run) {
  std::lock_guard lock(mu_);
  dry_run_ = dry_run;
}

void Inventory::set_writes_enabled(bool enabled) {
  std::lock_guard lock(mu_);
  writes_enabled_ = enabled;
}

boost::asio::awaitable<Inventory::Result> Inventory::read(std::string source) {
  Parent& p = parent(source);
  if (contents(source)) co_return std::nullopt;
  if (!co_await p.lock.acquire(std::chrono::steady_clock::now() + kWriteWait)) {
    co_return Failure{"inventory " + parent_name(source) + ": busy"};
  }
  Held held{p.lock};
  if (contents(source)) co_return std::nullopt;
  co_return co_await read_locked(p, source);
}

boost::asio::awaitable<Inventory::Result> Inventory::read_locked(Parent& p,
                                                                const std::string& source) {
  const std::string name = parent_name(source);
  const kube::ObjectReply reply = co_await client_.get(kSecrets, options_.ns, name);
  InventoryContents found;
  std::string resource_version;
  if (!reply.ok()) {
    if (!reply.error->is_not_found()) {
      co_return Failure{"inventory Secret " + options_.ns + "/" + name + ": get: " +
                        reply.error->to_string()};
    }
  } else {
    const rapidjson::Value& secret = *reply.object;
    const std::string_view tooling =
        kube::string_at(secret, {"metadata", "annotations", desired::kToolingAnnotation});
    if (!tooling.empty() && !tooling.starts_with("steward/")) {
      co_return Failure{"inventory Secret " + options_.ns + "/" + name +
                            " is the ApplySet parent of another tool (" + std::string(tooling) +
                            "): steward does not write it (rename the source, or set another "
                            "instance)",
                        true};
    }
    found.kinds = parse_group_kinds(kube::string_at(
        secret, {"metadata", "annotations", desired::kContainsGroupKindsAnnotation}));
    for (std::string_view ns : split(kube::string_at(secret, {"metadata", "annotations",
                                                              desired::kAdditionalNamespacesAnnotation}),
                                     ',')) {
      found.namespaces.emplace(ns);
    }
    resource_version = std::string(kube::string_at(secret, {"metadata", "resourceVersion"}));
  }
  std::lock_guard lock(mu_);
  p.known = std::move(found);
  p.resource_version = std::move(resource_version);
  co_return std::nullopt;
}

boost::asio::awaitable<Inventory::Result> Inventory::write_locked(
    Parent& p, const std::string& source, const InventoryContents& contents) {
  const std::string name = parent_name(source);
  std::string resource_version;
  {
    std::lock_guard lock(mu_);
    if (!writes_enabled_) co_return Failure{"not the leader: writes are off"};
    resource_version = p.resource_version;
  }
  rapidjson::Document body(rapidjson::kObjectType);
  auto& a = body.GetAllocator();
  rapidjson::Value metadata(rapidjson::kObjectType);
  metadata.AddMember("name", text(name, a), a);
  metadata.AddMember("namespace", text(options_.ns, a), a);
  // A precondition: if someone wrote the parent since it was read, the server answers 409.
  if (!resource_version.empty()) metadata.AddMember("resourceVersion", text(resource_version, a), a);
  rapidjson::Value labels(rapidjson::kObjectType);
  labels.AddMember(text(desired::kApplySetIdLabel, a), text(applyset_id(source), a), a);
  metadata.AddMember("labels", labels, a);
  rapidjson::Value annotations(rapidjson::kObjectType);
  annotations.AddMember(text(desired::kToolingAnnotation, a), text(options_.tooling, a), a);
  annotations.AddMember(text(desired::kContainsGroupKindsAnnotation, a),
                        text(format_group_kinds(contents.kinds), a), a);
  std::set<std::string> others = contents.namespaces;
  others.erase(options_.ns);
  // Left out when empty: applied without it, the annotation steward wrote before is removed.
  if (!others.empty()) {
    annotations.AddMember(text(desired::kAdditionalNamespacesAnnotation, a), text(join(others), a),
                          a);
  }
  metadata.AddMember("annotations", annotations, a);
  body.AddMember("apiVersion", "v1", a);
  body.AddMember("kind", "Secret", a);
  body.AddMember("metadata", metadata, a);
  body.AddMember("type", "Opaque", a);

  kube::ApplyOptions apply;
  apply.field_manager = options_.field_manager;
  const kube::ObjectReply reply = co_await client_.apply(kSecrets, options_.ns, body, apply);
  const kube::WriteResult written = kube::write_result(reply.error, reply.status);
  observe::audit(kLog, {.verb = "apply",
                        .action = "inventory",
                        .resource = kSecrets.qualified_resource(),
                        .ns = options_.ns,
                        .name = name,
                        .code = written.code,
                        .result = written.result});
  if (!reply.ok()) {
    if (reply.error->is_conflict()) {
      // Changed since it was read: read again, and let the caller decide anew.
      std::lock_guard lock(mu_);
      p.known.reset();
    }
    co_return Failure{"inventory Secret " + options_.ns + "/" + name + ": apply: " +
                      reply.error->to_string()};
  }
  kLog.info("inventory written", {{"secret", options_.ns + "/" + name},
                                  {"groupKinds", format_group_kinds(contents.kinds)},
                                  {"additionalNamespaces", join(others)}});
  std::lock_guard lock(mu_);
  p.known = contents;
  p.resource_version =
      std::string(kube::string_at(*reply.object, {"metadata", "resourceVersion"}));
  co_return std::nullopt;
}

boost::asio::awaitable<Inventory::Result> Inventory::cover(std::string source,
                                                           InventoryContents needed) {
  Parent& p = parent(source);
  if (const auto known = contents(source); known && known->covers(needed)) co_return std::nullopt;
  if (!co_await p.lock.acquire(std::chrono::steady_clock::now() + kWriteWait)) {
    co_return Failure{"inventory " + parent_name(source) + ": busy"};
  }
  Held held{p.lock};
  // Twice at most: once more after a write that lost to someone else's.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!contents(source)) {
      if (auto failed = co_await read_locked(p, source)) co_return failed;
    }
    InventoryContents target = *contents(source);
    if (target.covers(needed)) co_return std::nullopt;
    {
      std::lock_guard lock(mu_);
      if (dry_run_) co_return std::nullopt;  // a dry run writes nothing, the parent included
    }
    target.add(needed);
    auto failed = co_await write_locked(p, source, target);
    if (!failed || contents(source)) co_return failed;
  }
  co_return Failure{"inventory " + parent_name(source) + ": written by someone else meanwhile"};
}

boost::asio::awaitable<Inventory::Result> Inventory::shrink(
    std::string source, std::function<std::optional<InventoryContents>()> keep) {
  Parent& p = parent(source);
  if (!co_await p.lock.acquire(std::chrono::steady_clock::now() + kWriteWait)) {
    co_return Failure{"inventory " + parent_name(source) + ": busy"};
  }
  Held held{p.lock};
  if (!contents(source)) {
    if (auto failed = co_await read_locked(p, source)) co_return failed;
  }
  const InventoryContents known = *contents(source);
  const std::optional<InventoryContents> kept = keep();
  if (!kept) co_return std::nullopt;
  InventoryContents target;
  for (const auto& kind : known.kinds) {
    if (kept->kinds.contains(kind)) target.kinds.insert(kind);
  }
  for (const auto& ns : known.namespaces) {
    if (kept->namespaces.contains(ns)) target.namespaces.insert(ns);
  }
  if (target == known) co_return std::nullopt;
  {
    std::lock_guard lock(mu_);
    if (dry_run_) co_return std::nullopt;
  }
  co_return co_await write_locked(p, source, target);
}

}  // namespace steward::reconcile
