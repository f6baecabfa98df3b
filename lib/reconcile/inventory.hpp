#pragma once
// Inventory: each source's ApplySet parent (desired/applyset.hpp, KEP-3659), the Secret
// `steward-<instance>-<source>` in steward's namespace. It carries the ApplySet's id label and
// lists what the set's members may be:
//
//   label       applyset.kubernetes.io/id: <id>
//   annotation  applyset.kubernetes.io/tooling: steward/<version>
//   annotation  applyset.kubernetes.io/contains-group-kinds: ConfigMap,Deployment.apps
//   annotation  applyset.kubernetes.io/additional-namespaces: team-a,team-b   (when there are any)
//
// It is what survives a restart: the kinds listed are watched even when no manifest names them any
// more, so the leftovers of a removed kind are still found and pruned. The rule that keeps it true
// (the KEP's): the parent is widened *before* an object of a kind or namespace it does not list is
// applied (cover), and narrowed only *after* the members of what it stops listing are gone
// (shrink), so a crash between the two never leaves a member unlisted.
//
// Each write is a server-side apply of the whole parent with the resourceVersion last read, so a
// parent someone changed meanwhile is read again instead of overwritten. A parent whose tooling
// annotation names another tool (someone's `kubectl apply --applyset`) is never written. Writes
// for one source are serialised; lookups are in memory. Thread-safe.

#include <boost/asio/awaitable.hpp>
#include <compare>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "desired/applyset.hpp"
#include "kube/client.hpp"

namespace steward::kube {
class AsyncSemaphore;
}

namespace steward::reconcile {

struct GroupKind {
  std::string group;  // "" for the core group
  std::string kind;
  auto operator<=>(const GroupKind&) const = default;
};

// What a parent lists: its members' kinds, and their namespaces other than the parent's.
struct InventoryContents {
  std::set<GroupKind> kinds;
  std::set<std::string> namespaces;

  bool covers(const InventoryContents& other) const;
  void add(const InventoryContents& other);
  bool operator==(const InventoryContents&) const = default;
};

// contains-group-kinds' format: "Kind.group" sorted and joined by ',', "Kind" for the core group.
std::string format_group_kinds(const std::set<GroupKind>& kinds);
std::set<GroupKind> parse_group_kinds(std::string_view text);

struct InventoryOptions {
  std::string instance = std::string(desired::kDefaultInstance);
  std::string ns;       // steward's namespace, where the parents are
  std::string tooling;  // "steward/<version>"
  std::string field_manager = "steward";
};

class Inventory {
 public:
  // An error that retrying will not fix is `permanent` (the parent belongs to another tool).
  struct Failure {
    std::string message;
    bool permanent = false;
  };
  using Result = std::optional<Failure>;  // nullopt: done

  Inventory(boost::asio::io_context& io, kube::Client& client, InventoryOptions options);
  ~Inventory();

  const InventoryOptions& options() const { return options_; }
  std::string parent_name(std::string_view source) const;
  std::string applyset_id(std::string_view source) const;

  // What the parent of `source` lists as last read or written, or nullopt before it is known.
  std::optional<InventoryContents> contents(std::string_view source) const;
  // Reads the parent (a missing one lists nothing) unless it is known already.
  boost::asio::awaitable<Result> read(std::string source);
  // Makes the parent list at least `needed` (widened with everything `needed` does not hold).
  // Nothing is written in dry run, or while writes are off: then it answers whether it is
  // covered already ("not the leader" is a failure).
  boost::asio::awaitable<Result> cover(std::string source, InventoryContents needed);
  // Drops from the parent what `kept()` does not hold: it must hold everything desired and every
  // kind and namespace that still has members (the caller's to know), or nullopt when that cannot
  // be told now (a cache not synced), which leaves the parent as it is. It is asked with this
  // parent's writes held, so no widening for a newer desired state can slip in between.
  boost::asio::awaitable<Result> shrink(std::string source,
                                        std::function<std::optional<InventoryContents>()> kept);

  // Forgets what every parent lists, so the next use reads it again (leadership changed hands:
  // the previous leader may have written since).
  void forget();
  void set_dry_run(bool dry_run);
  void set_writes_enabled(bool enabled);

 private:
  struct Parent;
  Parent& parent(const std::string& source);
  boost::asio::awaitable<Result> read_locked(Parent& parent, const std::string& source);
  boost::asio::awaitable<Result> write_locked(Parent& parent, const std::string& source,
                                              const InventoryContents& contents);

  boost::asio::io_context& io_;
  kube::Client& client_;
  const InventoryOptions options_;
  mutable std::mutex mu_;  // guards parents_ (the map and each Parent's known state)
  std::map<std::string, std::unique_ptr<Parent>, std::less<>> parents_;
  bool dry_run_ = false;
  bool writes_enabled_ = true;
};

}  // namespace steward::reconcile
