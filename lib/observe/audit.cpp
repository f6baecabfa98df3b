#include "observe/audit.hpp"

#include <iterator>
#include <string>

namespace steward::observe {

void audit(const Logger& logger, const AuditRecord& record, LogLevel level) {
  if (!log_enabled(level)) return;
  const std::string code = std::to_string(record.code);
  const LogField fields[] = {{"verb", record.verb},
                             {"action", record.action},
                             {"resource", record.resource},
                             {"namespace", record.ns},
                             {"name", record.name},
                             {"dryRun", record.dry_run ? "true" : "false"},
                             {"code", code},
                             {"result", record.result},
                             {"reconcileID", record.reconcile_id}};
  const std::size_t count = record.reconcile_id.empty() ? std::size(fields) - 1 : std::size(fields);
  logger.log_only(level, "audit", std::span<const LogField>(fields, count));
}

}  // namespace steward::observe
