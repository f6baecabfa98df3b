#include "reconcile/inventory_keeper.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_future.hpp>

#include "kube/resource.hpp"
#include "observe/log.hpp"
#include "reconcile/ownership.hpp"

namespace steward::reconcile {
namespace {

const observe::Logger kLog{"inventory"};

// An undecided tidy (caches syncing, a parent not readable) is tried again after kFirstRetry,
// doubling up to kLastRetry while it stays undecided (a server away for long is asked rarely).
constexpr std::chrono::seconds kFirstRetry{2};
constexpr std::chrono::seconds kLastRetry{60};

// A version discovery serves of `gk`, or null: any will do, the versions of a kind are the same
// objects.
const kube::ResourceType* find_served(const std::vector<kube::ResourceType>& served,
                                      const GroupKind& gk) {
  for (const auto& type : served) {
    if (type.group == gk.group && type.kind == gk.kind) return &type;
  }
  return nullptr;
}

// What `objects` need listed, namespaced ones by the namespace in their key.
InventoryContents contents_of(const std::vector<desired::DesiredObjectPtr>& objects) {
  InventoryContents out;
  for (const auto& object : objects) {
    out.kinds.insert({object->key.group, object->key.kind});
    if (!object->key.ns.empty()) out.namespaces.insert(object->key.ns);
  }
  return out;
}

}  // namespace

InventoryKeeper::InventoryKeeper(boost::asio::io_context& io, Inventory& inventory,
                                 SourceSet& sources, KindSet& kinds, kube::Discovery& discovery)
    : io_(io),
      inventory_(inventory),
      sources_(sources),
      kinds_(kinds),
      discovery_(discovery),
      retry_(io) {}

InventoryKeeper::~InventoryKeeper() = default;

void InventoryKeeper::start() {
  {
    std::lock_guard lock(mu_);
    started_ = true;
  }
  for (const auto& source : *sources_.all()) {
    const Inventory::Result failed =
        boost::asio::co_spawn(io_, inventory_.read(source.spec.name), boost::asio::use_future)
            .get();
    if (failed) {
      kLog.warn("inventory not read; trying again", {{"source", source.spec.name},
                                                      {"error", failed->message}});
    }
  }
  watch_listed();
  tidy();
}

boost::asio::awaitable<Inventory::Result> InventoryKeeper::cover(
    const desired::DesiredObject& desired, const kube::ResourceType& type) {
  InventoryContents own;
  own.kinds.insert({type.group, type.kind});
  if (type.namespaced && !desired.key.ns.empty()) own.namespaces.insert(desired.key.ns);
  if (const auto known = inventory_.contents(desired.source); known && known->covers(own)) {
    co_return std::nullopt;
  }
  // Superset first: everything the source's desired state holds, in one write.
  InventoryContents needed = own;
  const auto snapshot = sources_.current();
  if (const desired::SourceObjects* objects = snapshot->source(desired.source)) {
    needed.add(contents_of(objects->objects));
  }
  Inventory::Result done = co_await inventory_.cover(desired.source, std::move(needed));
  if (!done) watch_listed();
  co_return done;
}

void InventoryKeeper::tidy() {
  {
    std::lock_guard lock(mu_);
    if (stopped_ || !started_) return;
    if (running_) {
      again_ = true;
      return;
    }
    running_ = true;
  }
  // Not under mu_: called on an I/O thread, co_spawn may run the tidy right here.
  boost::asio::co_spawn(io_, run_tidy(), boost::asio::detached);
}

void InventoryKeeper::set_writes_enabled(bool enabled) {
  inventory_.set_writes_enabled(enabled);
  {
    std::lock_guard lock(mu_);
    writes_enabled_ = enabled;
  }
  if (enabled) {
    // The previous leader may have written the parents since they were read.
    inventory_.forget();
    tidy();
  }
}

void InventoryKeeper::stop() {
  std::unique_lock lock(mu_);
  stopped_ = true;
  retry_.cancel();
  // A tidy under way uses the inventory and the caches: it ends (each of its calls is bounded by
  // the client's deadlines) before they go.
  idle_.wait(lock, [this] { return !running_; });
}

bool InventoryKeeper::watch_listed() {
  bool all_known = true;
  std::set<desired::DesiredState::TypeRef> listed;
  const std::vector<kube::ResourceType> served = discovery_.resources();
  for (const auto& source : *sources_.all()) {
    const auto known = inventory_.contents(source.spec.name);
    if (!known) {
      all_known = false;
      continue;
    }
    for (const auto& gk : known->kinds) {
      if (const kube::ResourceType* type = find_served(served, gk)) {
        listed.emplace(type->api_version(), type->kind);
      }
    }
  }
  kinds_.set_listed(std::move(listed), *sources_.current());
  return all_known;
}

std::optional<InventoryContents> InventoryKeeper::kept(const SourceOptions& source) {
  const auto known = inventory_.contents(source.spec.name);
  if (!known) return std::nullopt;
  const bool discovery_answered = discovery_.resource_count() > 0;
  const std::vector<kube::ResourceType> served = discovery_.resources();
  InventoryContents out;
  for (const auto& gk : known->kinds) {
    const kube::ResourceType* type = find_served(served, gk);
    if (type == nullptr) {
      if (!discovery_answered) return std::nullopt;
      continue;  // not served: nothing of it can be left; dropped, and logged by the caller
    }
    if (!kinds_.synced(type->api_version(), type->kind)) return std::nullopt;
  }
  const auto snapshot = sources_.current();
  if (const desired::SourceObjects* objects = snapshot->source(source.spec.name)) {
    out.add(contents_of(objects->objects));
  }
  kinds_.visit_members(member_keys(source), [&](const rapidjson::Value& live) {
    const desired::ObjectKey key = key_of(live);
    out.kinds.insert({key.group, key.kind});
    if (!key.ns.empty()) out.namespaces.insert(key.ns);
  });
  return out;
}

boost::asio::awaitable<void> InventoryKeeper::run_tidy() {
  bool undecided = !watch_listed();
  for (const auto& source : *sources_.all()) {
    if (!inventory_.contents(source.spec.name)) {
      if (const auto failed = co_await inventory_.read(source.spec.name)) {
        undecided = true;
        continue;
      }
      watch_listed();
    }
    {
      std::lock_guard lock(mu_);
      if (!writes_enabled_ || stopped_) continue;
    }
    bool decided = false;
    std::optional<InventoryContents> before = inventory_.contents(source.spec.name);
    const Inventory::Result failed =
        co_await inventory_.shrink(source.spec.name, [&]() -> std::optional<InventoryContents> {
          std::optional<InventoryContents> keep = kept(source);
          decided = keep.has_value();
          return keep;
        });
    if (failed) {
      kLog.warn("inventory not narrowed", {{"source", source.spec.name},
                                           {"error", failed->message}});
      if (!failed->permanent) undecided = true;
      continue;
    }
    if (!decided) {
      undecided = true;
      continue;
    }
    const auto after = inventory_.contents(source.spec.name);
    if (before && after && !(*before == *after)) {
      for (const auto& gk : before->kinds) {
        if (after->kinds.contains(gk)) continue;
        kLog.info("inventory no longer lists a kind: no object of it is left, or the server no "
                  "longer serves it",
                  {{"source", source.spec.name},
                   {"kind", gk.group.empty() ? gk.kind : gk.kind + "." + gk.group}});
      }
      watch_listed();
    }
  }
  bool rerun = false;
  {
    std::lock_guard lock(mu_);
    running_ = false;
    idle_.notify_all();
    if (stopped_) co_return;
    rerun = std::exchange(again_, false);
    retry_delay_ = undecided ? std::min(retry_delay_ * 2, kLastRetry) : kFirstRetry / 2;
    if (!rerun && undecided) {
      retry_.expires_after(retry_delay_);
      retry_.async_wait([this](const boost::system::error_code& error) {
        if (!error) tidy();
      });
    }
  }
  if (rerun) tidy();
}

}  // namespace steward::reconcile
