#pragma once
// The daemon's `/status` (docs/operations.md, "Status"): for each source, how its manifests
// loaded, whether it is suspended or waits for another source, and its objects by health and sync
// state with the ones that need attention. `steward status` reads it; so can anything that reads
// JSON. One JSON document, built from the controller's view on request (no API call).

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "desired/desired_state_store.hpp"
#include "reconcile/status_book.hpp"

namespace steward::reconcile {

struct SourceReport {
  std::string name;
  std::string path;
  bool suspended = false;
  std::optional<std::string> waiting_for;  // the dependsOn source it waits for
  bool prune_refused = false;              // the fraction guard refused this load's prune
  std::optional<desired::SourceStatus> load;  // nullopt: not loaded yet
  SourceHealth health;

  // Loaded, and every object in sync and Current.
  bool ready() const { return health.ready && load && load->loaded; }
};

// `ready`: the whole loop is in sync and every object Current.
std::string status_json(const std::vector<SourceReport>& sources, bool ready,
                        std::chrono::system_clock::time_point now);

}  // namespace steward::reconcile
