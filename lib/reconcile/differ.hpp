#pragma once
// Differ: what `steward run` would change, per object, as `kubectl diff` shows it. It asks plan()
// (plan.hpp) exactly as the reconciler does, with the live object read by a GET instead of from a
// cache, and renders the action instead of carrying it out:
//
//   apply of an object that is not there        the whole body, as new (--- /dev/null)
//   apply of an object that has drifted         a server-side dry-run apply of the body, as the
//       daemon would send it (fieldManager steward, force), then plan() again with the memo that
//       answer makes: nothing means the server only normalised values (cpu 0.5 is stored as 500m),
//       which is no change, as it is none for the daemon; otherwise the live object's values at the
//       body's paths against the answer's
//   prune                                       the live object, as removed (+++ /dev/null)
//   a kind only a CRD of the desired state      the whole body, as new (a planned create, plan.hpp):
//       serves                                  what would be created once it is served; a kind
//                                               nothing serves, or a version that CRD does not
//                                               serve, is an error, as `steward run` has it
//   nothing                                     nothing, and no further API call
//   held back (reconcile: disabled that drifted, a suspended source's change, a removed object
//       that prune: disabled keeps)           a line in `kept`, not a diff: what the daemon
//       would leave as it is is no change
//
// A source's ignore rules (ignore_rules.hpp) shape the body exactly as they do for the daemon, so a
// field a rule leaves to someone else is never shown as a change; each such field whose live value
// differs from the manifest's is listed in `DiffReport::ignored` instead, with its rule.
//
// Prune candidates are steward's objects (label and source annotation) of the kinds in the desired
// state, listed per kind as the daemon's informers see them. The daemon's pruneFraction guard is
// not applied: the diff shows what the desired state asks for. Apply order is not waited for
// either: every create is shown at once. A Secret's values are masked on every change, as
// `kubectl diff` masks them (secret_mask.hpp).

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "desired/desired_object.hpp"
#include "kube/client.hpp"
#include "kube/discovery.hpp"
#include "reconcile/source_set.hpp"

namespace steward::reconcile {

struct ObjectChange {
  enum class Kind { kCreate, kUpdate, kRemove };
  desired::ObjectKey key;
  Kind kind = Kind::kUpdate;
  std::string diff;  // unified diff, as `kubectl diff` prints it
};

struct DiffReport {
  std::vector<ObjectChange> changes;  // desired objects in key order, then removals in key order
  // A source's load errors ("file:line:col: ..."), one line each. A source that fails to load
  // stops everything, since its objects would all look like prunes.
  std::vector<std::string> load_errors;
  // What failed besides: discovery, an API call about one object ("apps/Deployment ns/web: get:
  // ..."). A failing object does not stop the others.
  std::vector<std::string> errors;
  // What the daemon leaves alone on purpose, one line each ("apps/Deployment ns/web: kept: ...").
  std::vector<std::string> kept;
  // Fields an ignore rule keeps from the apply although the live value differs from the
  // manifest's: "apps/Deployment ns/web: /spec/replicas ignored by ignore[0] (paths
  // /spec/replicas): live 5, manifest 2 (left to its owner)". Not changes.
  std::vector<std::string> ignored;
  bool failed() const { return !load_errors.empty() || !errors.empty(); }
};

class Differ {
 public:
  Differ(kube::Client& client, kube::Discovery& discovery, std::vector<SourceOptions> sources)
      : client_(client), discovery_(discovery), sources_(std::move(sources)) {}

  boost::asio::awaitable<DiffReport> run();

 private:
  class Run;
  kube::Client& client_;
  kube::Discovery& discovery_;
  const std::vector<SourceOptions> sources_;
};

}  // namespace steward::reconcile
