// Injected faults, set through the admin endpoint /_testapi/faults (same bearer token):
//   POST {"errorRate":0.3,"errorCodes":[429,500,503],"retryAfterSeconds":1,"latencyMs":50,
//         "refuseWatchesSeconds":5,"closeWatches":true,"compact":true,"restart":true,"seed":7}
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
#include <vector>

namespace steward::testapi {

class Faults {
 public:
  explicit Faults(std::uint64_t seed) : rng_(seed) {}

  // One-off actions a configuration asks for; the server carries them out.
  struct Actions {
    bool close_watches = false;
    bool compact = false;
    bool restart = false;
  };
  // Throws ApiError (400) on a malformed body.
  Actions configure(const json::Value& body);
  json::Value describe() const;

  // The injected failure for this request, if one is drawn.
  std::optional<ApiError> draw_failure();
  bool refusing_watches() const { return std::chrono::steady_clock::now() < refuse_watches_until_; }
  ApiError watch_refusal() const;
  std::chrono::milliseconds latency() const { return latency_; }

 private:
  std::mt19937_64 rng_;
  double error_rate_ = 0;
  std::vector<int> error_codes_ = {503};
  int retry_after_seconds_ = 1;
  std::chrono::milliseconds latency_{0};
  std::chrono::steady_clock::time_point refuse_watches_until_{};
};

}  // namespace steward::testapi
