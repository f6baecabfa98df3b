#pragma once
// Audit lines: one for every write steward sends to the cluster, with the same shape wherever it
// is written, so "what did steward change, and why" is one query (`msg` = "audit"):
//   {"ts":...,"level":"info","logger":"reconcile","msg":"audit","verb":"apply","action":"correct",
//    "resource":"configmaps","namespace":"web","name":"settings","dryRun":"false","code":"200",
//    "result":"success","reconcileID":"5e1c0a3b9d2f4e61"}
// The fields, always in this order: verb (the API verb: apply, create, update, patch, delete),
// action (why steward wrote: create, correct, prune; acquire, renew, takeover, release for the
// Lease; event), resource (as the metrics' `resource` label), namespace ("" when cluster-scoped),
// name, dryRun, code (the HTTP status; 0 when no response came), result ("success" or the Status
// reason: Conflict, Forbidden, ...; Network without a response), and reconcileID when a reconcile
// wrote. Only names, never content: no body, no field of the object (Secret data!).
// docs/operations.md ("Audit lines") lists which writes are audited at which level.

#include <string_view>

#include "observe/log.hpp"

namespace steward::observe {

struct AuditRecord {
  std::string_view verb;
  std::string_view action;
  std::string_view resource;
  std::string_view ns;
  std::string_view name;
  bool dry_run = false;
  int code = 0;
  std::string_view result;
  std::string_view reconcile_id;  // "" outside a reconcile: not written
};

// The line, as `logger` (its name only: the logger's own fields are not added, so every audit
// line has the shape above). Info unless the caller says otherwise (Lease renewals and Events are
// debug: docs/operations.md says why).
void audit(const Logger& logger, const AuditRecord& record, LogLevel level = LogLevel::kInfo);

}  // namespace steward::observe
