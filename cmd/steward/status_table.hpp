#pragma once
// What `steward status` makes of a running steward's `/status` document (lib/reconcile/
// status_report.cpp writes it; docs/operations.md, "Status"): the document read into plain
// values, the tables it prints and its exit code. No network here, so all of it is tested on
// fixtures (test/cmd/status_table_test.cpp); status_command.cpp fetches the document.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace steward::cmd {

// One object that is not in sync or not Current, as `/status` lists it.
struct StatusObject {
  std::string group;
  std::string kind;
  std::string ns;  // empty: cluster-scoped
  std::string name;
  std::string health;  // Current, InProgress, Failed, Terminating, NotFound, Unknown
  std::string reason;
  std::string message;
  std::string sync;    // InSync, Drifted, Failing, Pending
  std::string result;  // of its last reconcile: in_sync, created, ..., permanent_error
  std::string error;   // why it is failing or waiting
};

struct StatusSource {
  std::string name;
  bool suspended = false;
  std::optional<std::string> waiting_for;  // the dependsOn source it waits for
  bool prune_refused = false;
  bool loaded = false;        // loaded once since steward started
  bool last_load_ok = false;  // its latest load worked
  std::vector<std::string> load_errors;  // of the latest load, "file:line:column: message"
  bool ready = false;
  std::string health;  // the worst of its objects'
  std::uint64_t objects = 0;
  std::map<std::string, std::uint64_t> by_health;
  std::map<std::string, std::uint64_t> by_sync;
  std::optional<std::string> last_applied;  // RFC 3339; nullopt: never
  std::vector<StatusObject> attention;      // at most kStatusAttentionLimit
};

struct StatusDocument {
  std::string time;  // when steward wrote it, RFC 3339: ages are counted from it
  bool ready = false;
  std::vector<StatusSource> sources;
};

// How many objects `/status` lists per source in `attention` (Controller::report's default); a
// shorter list is every object that needs attention.
inline constexpr std::size_t kStatusAttentionLimit = 100;

// `body` read as a /status document, or nullopt and why not in `error` (not JSON, not
// kind Status, a field missing or of the wrong type).
std::optional<StatusDocument> parse_status(std::string_view body, std::string& error);

// The source table, then, when some object needs attention, a blank line and the object table;
// columns aligned with three spaces between them, as kubectl prints. docs/cli.md says what each
// column holds.
std::string status_table(const StatusDocument& status);

// The FAILED column: objects whose health is Failed or whose last reconcile failed (sync Failing,
// but not an object that waits: for a dependsOn, a Namespace, a CRD), each counted once when
// `attention` lists them all; else, as the counts cannot tell, Failed plus Failing, at most
// `objects`.
std::uint64_t failed_objects(const StatusSource& source);

// `body` (a JSON document) indented by two spaces, as `kubectl get -o json` prints.
std::string pretty_json(std::string_view body);

// 0 when steward says it is ready (every source in sync and Current, or suspended), 1 otherwise.
int status_exit_code(const StatusDocument& status);

}  // namespace steward::cmd
