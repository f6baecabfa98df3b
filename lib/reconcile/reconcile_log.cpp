#include "reconcile/reconcile_log.hpp"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <random>

namespace steward::reconcile {
namespace {

std::uint64_t random_start() {
  std::random_device random;
  return (static_cast<std::uint64_t>(random()) << 32) | random();
}

}  // namespace

std::string next_reconcile_id() {
  static std::atomic<std::uint64_t> next{random_start()};
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(next.fetch_add(1)));
  return text;
}

std::string resource_label(const std::optional<kube::ResourceType>& type,
                           const desired::ObjectKey& key) {
  if (type) return type->qualified_resource();
  return key.group.empty() ? key.kind : key.kind + "." + key.group;
}

observe::Logger reconcile_logger(const desired::ObjectKey& key, std::string_view resource,
                                 std::string_view reconcile_id) {
  static const observe::Logger base{"reconcile"};
  return base.with({{"resource", resource},
                    {"namespace", key.ns},
                    {"name", key.name},
                    {"reconcileID", reconcile_id}});
}

}  // namespace steward::reconcile
