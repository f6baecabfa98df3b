// The resource API: /api/v1/... and /apis/{g}/{v}/... paths, mapped to storage with the real
// server's verbs, defaults, server-owned metadata and Status errors. Everything here runs on the
// server's one thread, so it needs no locks.
#pragma once

#include "defaulting.hpp"
#include "http_types.hpp"
#include "json.hpp"
#include "registry.hpp"
#include "selectors.hpp"
#include "store.hpp"

#include <functional>
#include <optional>
#include <random>
#include <string>
#include <variant>

namespace steward::testapi {

struct ApiError;

// A watch request, resolved and validated; the HTTP layer streams it (watch.hpp).
struct WatchSpec {
  ResourceType type;
  std::string ns;  // "" for all namespaces
  LabelSelector labels;
  FieldSelector fields;
  std::string resource_version;  // "" when absent
  bool bookmarks = false;
  int timeout_seconds = 0;  // 0: the server's default
};

using ApiReply = std::variant<Response, WatchSpec>;

Response error_response(const ApiError& e);
Response json_response(int status, const json::Value& body);

class Api {
 public:
  using Defer = std::function<void(std::function<void()>)>;

  // `defer` runs work after the current request's answer (a CRD becoming Established).
  Api(Store& store, Registry& registry, std::uint64_t seed, Defer defer);

  // nullopt: not a resource path.
  std::optional<ApiReply> handle(const Request& req);

  // Called when a custom resource's storage disappears (its CRD was deleted): watches on it end.
  std::function<void(const std::string& storage_key)> on_storage_removed;

  // Creates a ConfigMap directly (bulk seeding at start-up; the namespace is created if needed).
  void seed_configmap(const std::string& ns, const std::string& name, const json::Value& data);

 private:
  struct Target {
    ResourceType type;
    std::string ns;
    std::string name;
    std::string subresource;
  };

  std::optional<Target> resolve(const std::string& path, bool& not_found) const;

  Response get(const Target& t);
  ApiReply list_or_watch(const Target& t, const Request& req);
  Response create(const Target& t, const Request& req);
  Response update(const Target& t, const Request& req);
  Response patch(const Target& t, const Request& req);
  Response apply(const Target& t, const Request& req);
  Response remove(const Target& t, const Request& req);
  Response remove_collection(const Target& t, const Request& req);

  // Shared tail of update and patch: defaults, generation, managed fields, no-op detection, write.
  // An empty `manager` leaves managedFields as they were (writes through /scale).
  Response commit_update(const Target& t, const json::Value& old, json::Value updated, const std::string& manager);
  // PUT or PATCH of the scale subresource: `scale` (the Scale as sent or patched) sets spec.replicas;
  // answers the Scale (scale.hpp).
  Response write_scale(const Target& t, const json::Value& old, const json::Value& scale);
  // Deletes (or marks for deletion when finalizers remain); the answer's body and status.
  Response delete_object(const Target& t, ObjectPtr old);

  // Server-owned metadata of a new object.
  void stamp_new(const ResourceType& type, json::Value& obj);
  void check_body_identity(const Target& t, json::Value& body, bool require_name_match);
  void require_namespace(const Target& t) const;
  void validate_name(const Target& t, const std::string& name) const;
  // Core v1 and events.k8s.io/v1 Events: the namespace rule of validation.hpp (422 Invalid).
  void validate_event(const Target& t, const json::Value& obj) const;
  std::string manager_for(const Request& req, const std::string& fallback) const;
  void normalize(const ResourceType& type, json::Value& obj);

  // CustomResourceDefinition lifecycle (crd.cpp).
  void establish_crd(const std::string& name);
  void register_crd(const json::Value& crd);
  void remove_crd_storage(const json::Value& crd);
  // DELETE of a CRD: marked Terminating now, its objects and then itself removed later (deferred).
  Response mark_crd_deleted(const ResourceType& type, const json::Value& crd);
  void finish_crd_deletion(const std::string& name);

  std::string now() const;
  std::string new_uid();

  Store& store_;
  Registry& registry_;
  Defaulter defaulter_;
  std::mt19937_64 rng_;
  Defer defer_;
  // dryRun=All on the current request: everything happens except the write (and its events).
  bool dry_run_ = false;
};

}  // namespace steward::testapi
