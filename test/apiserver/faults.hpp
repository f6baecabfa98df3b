// Injected faults, set through the admin endpoint /_testapi/faults (same bearer token):
//   POST {"errorRate":0.3,"errorCodes":[429,500,503],"retryAfterSeconds":1,"latencyMs":50,
//         "refuseWatchesSeconds":5,"closeWatches":true,"compact":true,"expireWatchHistory":true,
//         "compactorTick":true,"restart":true,"seed":7}
//   POST {"failRequests":[{"method":"PATCH","path":"/api/v1/namespaces/a/configmaps/b","code":403,
//         "count":2}]} fails the requests to exactly that path (and method, when given) with that
//         code: the next `count` of them, or every one until a reset when there is no count. Rules
//         are added to the standing ones and tried in order; one whose count is used up stays
//         listed (remaining 0) and fails nothing more.
//   POST {"dropWatchEvents":[{"path":"/api/v1/namespaces/a/configmaps/b","count":1}]} leaves out
//         of the watch streams the events about the object at that path: the next `count` of them
//         (every one until a reset when there is no count), each from the one stream that was
//         about to send it. The stream goes on as if it had been sent: no error, no relist, so a
//         client cannot tell. A lost event on purpose, to show that a test's delivery check
//         notices one. Rules add up like failRequests'.
//   POST {"reset":true} clears every standing fault; GET shows the standing ones.
//   POST {"token":"new"} rotates the accepted bearer token (handled by the router).
// Which requests fail is drawn from one generator seeded by "seed" (or --seed), so a run repeats.
#pragma once

#include "api_error.hpp"
#include "json.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace steward::testapi {

class Faults {
 public:
  explicit Faults(std::uint64_t seed) : rng_(seed) {}

  // One-off actions a configuration asks for; the server carries them out.
  struct Actions {
    bool close_watches = false;
    bool compact = false;               // etcd compaction at a fresh revision
    bool expire_watch_history = false;  // every watch cache's window moves past the current revision
    bool compactor_tick = false;        // the periodic compactor ticks now
    bool restart = false;
  };
  // Throws ApiError (400) on a malformed body.
  Actions configure(const json::Value& body);
  json::Value describe() const;

  // The injected failure for this request, if any: a targeted rule's first, else a random draw.
  std::optional<ApiError> draw_failure(const std::string& method, const std::string& path);
  bool refusing_watches() const { return std::chrono::steady_clock::now() < refuse_watches_until_; }
  ApiError watch_refusal() const;
  std::chrono::milliseconds latency() const { return latency_; }
  // Whether a watch stream must leave out its event about the object at `path` (a dropWatchEvents
  // rule matches it; the rule's count goes down).
  bool drop_watch_event(const std::string& path);

 private:
  // One `failRequests` rule. remaining < 0: no count, it fails until a reset.
  struct TargetedFailure {
    std::string method;  // "" for any
    std::string path;
    int code = 503;
    long remaining = -1;
  };

  // One `dropWatchEvents` rule. remaining < 0: no count, it drops until a reset.
  struct DroppedEvents {
    std::string path;
    long remaining = -1;
  };

  std::mt19937_64 rng_;
  std::vector<TargetedFailure> targeted_;
  std::vector<DroppedEvents> dropped_events_;
  double error_rate_ = 0;
  std::vector<int> error_codes_ = {503};
  int retry_after_seconds_ = 1;
  std::chrono::milliseconds latency_{0};
  std::chrono::steady_clock::time_point refuse_watches_until_{};
};

}  // namespace steward::testapi
