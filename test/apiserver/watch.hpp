// One watch: turns storage events into the lines of a watch stream (one JSON event per line), with
// the real server's starting rules:
// - resourceVersion absent or "0": synthetic ADDED for every object that exists, then live events;
// - resourceVersion N within the history: every event after N, then live events;
// - N older than the history: one ERROR event (410 Expired, reference 22) and the end.
// Selectors are applied to the state before and after each write, so an object that stops
// matching is seen as DELETED and one that starts matching as ADDED (as the watch cache does).
// Transport-free: the HTTP session gives a sink and drives bookmarks and the timeout.
// With `faults`, an event about an object its dropWatchEvents rules name is left out (the lost
// event tests make on purpose).
#pragma once

#include "api.hpp"
#include "faults.hpp"
#include "store.hpp"

#include <functional>
#include <string>

namespace steward::testapi {

class Watcher {
 public:
  using Sink = std::function<void(std::string line)>;

  Watcher(Store& store, WatchSpec spec, Sink sink, Faults* faults = nullptr);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Sends the initial events. false: the stream is finished already (it carried an ERROR).
  bool start();
  // A BOOKMARK at the current resourceVersion, when the client asked for bookmarks.
  void bookmark();

  const WatchSpec& spec() const { return spec_; }

 private:
  void on_event(const StoreEvent& ev);
  void send(const char* type, const json::Value& object);
  // The object's path in the API, as a request would name it (what dropWatchEvents rules match).
  std::string object_path(const json::Value& object) const;

  Store& store_;
  WatchSpec spec_;
  Sink sink_;
  Faults* faults_;
  std::uint64_t subscription_ = 0;
};

}  // namespace steward::testapi
