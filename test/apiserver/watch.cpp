#include "watch.hpp"

#include "object_format.hpp"

#include <charconv>

namespace steward::testapi {

Watcher::Watcher(Store& store, WatchSpec spec, Sink sink, Faults* faults)
    : store_(store), spec_(std::move(spec)), sink_(std::move(sink)), faults_(faults) {}

Watcher::~Watcher() {
  if (subscription_ != 0) store_.unsubscribe(subscription_);
}

bool Watcher::start() {
  const std::string key = spec_.type.storage_key();
  const std::string& rv_text = spec_.resource_version;
  if (rv_text.empty() || rv_text == "0") {
    auto page = store_.list(key, spec_.ns, "", 0, [&](const json::Value& o) {
      return spec_.labels.matches(o) && spec_.fields.matches(o);
    });
    for (const auto& o : page.items) send("ADDED", *o);
  } else {
    std::uint64_t rv = 0;
    auto [ptr, ec] = std::from_chars(rv_text.data(), rv_text.data() + rv_text.size(), rv);
    if (ec != std::errc{} || ptr != rv_text.data() + rv_text.size()) {
      json::Value status = json::Value::object();
      status["kind"] = "Status";
      status["apiVersion"] = "v1";
      status["metadata"] = json::Value::object();
      status["status"] = "Failure";
      status["message"] = "invalid resource version: " + rv_text;
      status["reason"] = "BadRequest";
      status["code"] = 400;
      send("ERROR", status);
      return false;
    }
    std::uint64_t oldest = store_.history_start(key);
    if (rv < oldest) {
      json::Value status = json::Value::object();
      status["kind"] = "Status";
      status["apiVersion"] = "v1";
      status["metadata"] = json::Value::object();
      status["status"] = "Failure";
      status["message"] = "too old resource version: " + rv_text + " (" + std::to_string(oldest) + ")";
      status["reason"] = "Expired";
      status["code"] = 410;
      send("ERROR", status);
      return false;
    }
    for (const auto& ev : store_.events_after(key, rv)) on_event(ev);
  }
  subscription_ = store_.subscribe(key, [this](const StoreEvent& ev) { on_event(ev); });
  return true;
}

void Watcher::on_event(const StoreEvent& ev) {
  auto matches = [&](const ObjectPtr& o) {
    if (!o) return false;
    const json::Value* ns = o->at_path("metadata.namespace");
    if (!spec_.ns.empty() && (!ns || !ns->is_string() || ns->as_string() != spec_.ns)) return false;
    return spec_.labels.matches(*o) && spec_.fields.matches(*o);
  };
  bool now = matches(ev.object);
  bool before = ev.type != EventType::Added && matches(ev.previous);
  switch (ev.type) {
    case EventType::Added:
      if (now) send("ADDED", *ev.object);
      break;
    case EventType::Modified:
      if (now && before) send("MODIFIED", *ev.object);
      else if (now) send("ADDED", *ev.object);
      else if (before) {
        // Left the selector: kube-apiserver's watch cache sends the previous state (the one this
        // watcher last matched), stamped with the event's resourceVersion.
        json::Value last = *ev.previous;
        last["metadata"]["resourceVersion"] = std::to_string(ev.rv);
        send("DELETED", last);
      }
      break;
    case EventType::Deleted:
      if (before) send("DELETED", *ev.object);
      break;
  }
}

void Watcher::bookmark() {
  if (!spec_.bookmarks) return;
  json::Value obj = json::Value::object();
  obj["kind"] = spec_.type.kind;
  obj["apiVersion"] = spec_.type.api_version();
  // The cache's version, not etcd's: a list from the cache at a bookmark's version must not be too
  // new for it (the real cacher bookmarks the last event it dispatched, cacher.go dispatchEvents).
  obj["metadata"]["resourceVersion"] = std::to_string(store_.cache_rv(spec_.type.storage_key()));
  // Built-ins are typed objects whose zero creationTimestamp prints as null (24); custom ones are not.
  if (spec_.type.builtin) obj["metadata"]["creationTimestamp"] = nullptr;
  json::Value line = json::Value::object();
  line["type"] = "BOOKMARK";
  line["object"] = std::move(obj);
  sink_(json::write(line) + "\n");
}

std::string Watcher::object_path(const json::Value& object) const {
  const ResourceType& t = spec_.type;
  std::string path = t.group.empty() ? "/api/" + t.version : "/apis/" + t.group + "/" + t.version;
  const json::Value* metadata = object.find("metadata");
  const std::string ns = metadata ? metadata->str("namespace") : std::string{};
  if (t.namespaced && !ns.empty()) path += "/namespaces/" + ns;
  return path + "/" + t.resource + "/" + (metadata ? metadata->str("name") : std::string{});
}

void Watcher::send(const char* type, const json::Value& object) {
  if (faults_ && std::string_view(type) != "ERROR" && faults_->drop_watch_event(object_path(object))) return;
  json::Value line = json::Value::object();
  line["type"] = type;
  line["object"] = std::string(type) == "ERROR" ? object : format_object(spec_.type, object, Framing::WithKind);
  sink_(json::write(line) + "\n");
}

}  // namespace steward::testapi
