#include "reconcile/status_report.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "base/rfc3339.hpp"

namespace steward::reconcile {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void string(Writer& out, std::string_view text) {
  out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void field(Writer& out, std::string_view name, std::string_view text) {
  string(out, name);
  string(out, text);
}

void time_field(Writer& out, std::string_view name,
                std::optional<std::chrono::system_clock::time_point> time) {
  string(out, name);
  if (time && time->time_since_epoch().count() != 0) {
    string(out, base::format_rfc3339(*time));
  } else {
    out.Null();
  }
}

void load(Writer& out, const std::optional<desired::SourceStatus>& status) {
  string(out, "load");
  out.StartObject();
  string(out, "loaded");
  out.Bool(status && status->loaded);
  string(out, "lastLoadOK");
  out.Bool(status && status->last_load_ok);
  time_field(out, "lastLoad", status ? std::optional(status->last_load) : std::nullopt);
  time_field(out, "lastSuccess", status ? std::optional(status->last_success) : std::nullopt);
  // A path source has no revision; git and HTTP sources (issue #20) will set one.
  string(out, "errors");
  out.StartArray();
  if (status) {
    for (const auto& error : status->errors) string(out, error.to_string());
  }
  out.EndArray();
  out.EndObject();
}

void object(Writer& out, const ObjectState& state) {
  out.StartObject();
  field(out, "group", state.key.group);
  field(out, "kind", state.key.kind);
  field(out, "namespace", state.key.ns);
  field(out, "name", state.key.name);
  field(out, "health", health::to_string(state.health.status));
  field(out, "reason", state.health.reason);
  field(out, "message", state.health.message);
  field(out, "sync", to_string(state.sync));
  field(out, "result", state.sync == SyncState::kPending ? "" : to_string(state.result));
  field(out, "error", state.detail);
  out.EndObject();
}

void source(Writer& out, const SourceReport& report) {
  const SourceHealth& health = report.health;
  out.StartObject();
  field(out, "name", report.name);
  field(out, "path", report.path);
  string(out, "suspended");
  out.Bool(report.suspended);
  string(out, "waitingFor");
  if (report.waiting_for) {
    string(out, *report.waiting_for);
  } else {
    out.Null();
  }
  string(out, "pruneRefused");
  out.Bool(report.prune_refused);
  load(out, report.load);
  string(out, "ready");
  out.Bool(report.ready());
  field(out, "health", health::to_string(health.health));
  string(out, "objects");
  out.Uint64(health.objects);
  string(out, "byHealth");
  out.StartObject();
  for (const auto& [status, count] : health.by_health) {
    string(out, health::to_string(status));
    out.Uint64(count);
  }
  out.EndObject();
  string(out, "bySync");
  out.StartObject();
  for (const auto& [state, count] : health.by_sync) {
    string(out, to_string(state));
    out.Uint64(count);
  }
  out.EndObject();
  time_field(out, "lastApplied", health.last_applied);
  string(out, "attention");
  out.StartArray();
  for (const ObjectState& state : health.attention) object(out, state);
  out.EndArray();
  out.EndObject();
}

}  // namespace

std::string status_json(const std::vector<SourceReport>& sources, bool ready,
                        std::chrono::system_clock::time_point now) {
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  field(out, "apiVersion", "steward.dev/v1alpha1");
  field(out, "kind", "Status");
  field(out, "time", base::format_rfc3339(now));
  string(out, "ready");
  out.Bool(ready);
  string(out, "sources");
  out.StartArray();
  for (const SourceReport& report : sources) source(out, report);
  out.EndArray();
  out.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace steward::reconcile
