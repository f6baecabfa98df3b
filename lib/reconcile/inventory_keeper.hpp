#pragma once
// InventoryKeeper: keeps each source's inventory (inventory.hpp) true over time.
//
// - At start it reads every parent and has the kind set watch every kind a parent lists, even one
//   no manifest names any more: its leftovers show up in the caches and are pruned like any other
//   object that left the desired state.
// - Before an apply, cover() widens the parent with the whole source's kinds and namespaces if it
//   does not list the object's own (superset first: one write for a new snapshot, not one per
//   kind).
// - tidy() (after prunes, new snapshots, a change of leader) narrows each parent to what is
//   desired or still has members in the caches, once every cache it depends on has synced; a kind
//   the server no longer serves is dropped then, with a log line. Undecided (caches syncing, the
//   server unreachable), it tries again a little later.
// Thread-safe.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "desired/desired_object.hpp"
#include "kube/discovery.hpp"
#include "reconcile/inventory.hpp"
#include "reconcile/kind_set.hpp"
#include "reconcile/source_set.hpp"

namespace steward::reconcile {

class InventoryKeeper {
 public:
  InventoryKeeper(boost::asio::io_context& io, Inventory& inventory, SourceSet& sources,
                  KindSet& kinds, kube::Discovery& discovery);
  ~InventoryKeeper();

  // Reads every source's parent and watches the kinds they list (from any thread but the I/O
  // threads: it waits for the reads). A parent that cannot be read now is read by tidy().
  void start();
  // Before applying `desired` (of resource `type`): its source's parent lists its kind and
  // namespace.
  boost::asio::awaitable<Inventory::Result> cover(const desired::DesiredObject& desired,
                                                  const kube::ResourceType& type);
  // Narrows the parents soon (coalesced); see above. Nothing before start().
  void tidy();
  // Writes are allowed (leadership gained: every parent is read again first) or not.
  void set_writes_enabled(bool enabled);
  void set_dry_run(bool dry_run) { inventory_.set_dry_run(dry_run); }
  // Cancels the retry and waits for a tidy under way to end; tidy() does nothing afterwards.
  void stop();

 private:
  boost::asio::awaitable<void> run_tidy();
  // Has the kind set watch what the known parents list; false when one is not known yet.
  bool watch_listed();
  // What must stay listed for `source`: its desired objects' kinds and namespaces, and those of its
  // members in the caches; nullopt while a listed kind's cache has not synced.
  std::optional<InventoryContents> kept(const SourceOptions& source);

  boost::asio::io_context& io_;
  Inventory& inventory_;
  SourceSet& sources_;
  KindSet& kinds_;
  kube::Discovery& discovery_;
  boost::asio::steady_timer retry_;

  std::mutex mu_;  // guards the flags below and retry_
  std::condition_variable idle_;  // running_ went false
  bool running_ = false;  // a tidy is under way
  bool again_ = false;    // tidy() was asked for while one ran
  bool writes_enabled_ = true;
  std::chrono::seconds retry_delay_{1};  // the last retry's; doubled before each
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace steward::reconcile
