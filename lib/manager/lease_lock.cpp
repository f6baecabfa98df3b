#include "manager/lease_lock.hpp"

#include <rapidjson/document.h>

#include <stdexcept>

#include "base/rfc3339.hpp"
#include "kube/client.hpp"
#include "observe/audit.hpp"

namespace steward::manager {
namespace {

const observe::Logger kLog{"leader"};

int int_at(const rapidjson::Value& spec, const char* name) {
  const auto member = spec.FindMember(name);
  if (member == spec.MemberEnd() || !member->value.IsInt()) return 0;
  return member->value.GetInt();
}

std::string string_member(const rapidjson::Value& spec, const char* name) {
  const auto member = spec.FindMember(name);
  if (member == spec.MemberEnd() || !member->value.IsString()) return {};
  return {member->value.GetString(), member->value.GetStringLength()};
}

// The spec Kubernetes expects: times only when set (MicroTime does not accept ""), holderIdentity
// always, so a released Lease says "" rather than keeping the old holder.
rapidjson::Value spec_of(const LeaderElectionRecord& record,
                         rapidjson::Document::AllocatorType& alloc) {
  rapidjson::Value spec(rapidjson::kObjectType);
  auto add_string = [&](const char* name, const std::string& value) {
    spec.AddMember(rapidjson::StringRef(name), rapidjson::Value(value.c_str(), alloc), alloc);
  };
  add_string("holderIdentity", record.holder_identity);
  spec.AddMember("leaseDurationSeconds", record.lease_duration_seconds, alloc);
  if (!record.acquire_time.empty()) add_string("acquireTime", record.acquire_time);
  if (!record.renew_time.empty()) add_string("renewTime", record.renew_time);
  spec.AddMember("leaseTransitions", record.lease_transitions, alloc);
  return spec;
}

}  // namespace

std::string_view lease_write_action(std::string_view holder_before, std::string_view holder_after) {
  if (holder_after.empty()) return "release";
  if (holder_after == holder_before) return "renew";
  return holder_before.empty() ? "acquire" : "takeover";
}

const kube::ResourceType& lease_resource() {
  static const kube::ResourceType type{"coordination.k8s.io", "v1", "leases", "Lease", true};
  return type;
}

LeaderElectionRecord record_from_lease(const rapidjson::Value& lease) {
  LeaderElectionRecord record;
  if (!lease.IsObject()) return record;
  const auto spec = lease.FindMember("spec");
  if (spec == lease.MemberEnd() || !spec->value.IsObject()) return record;
  record.holder_identity = string_member(spec->value, "holderIdentity");
  record.lease_duration_seconds = int_at(spec->value, "leaseDurationSeconds");
  record.acquire_time = string_member(spec->value, "acquireTime");
  record.renew_time = string_member(spec->value, "renewTime");
  record.lease_transitions = int_at(spec->value, "leaseTransitions");
  return record;
}

std::string format_micro_time(std::chrono::system_clock::time_point time) {
  return base::format_rfc3339(time, 6);
}

KubeLeaseLock::KubeLeaseLock(kube::Client& client, std::string ns, std::string name)
    : client_(client), ns_(std::move(ns)), name_(std::move(name)) {}

boost::asio::awaitable<LeaseRead> KubeLeaseLock::get() {
  kube::ObjectReply reply = co_await client_.get(lease_resource(), ns_, name_);
  if (!reply.ok()) co_return LeaseRead{std::move(reply.error), {}};
  last_ = std::move(reply.object);
  co_return LeaseRead{std::nullopt, record_from_lease(*last_)};
}

boost::asio::awaitable<std::optional<kube::ApiError>> KubeLeaseLock::create(
    LeaderElectionRecord record) {
  rapidjson::Document lease(rapidjson::kObjectType);
  auto& alloc = lease.GetAllocator();
  lease.AddMember("apiVersion", rapidjson::StringRef("coordination.k8s.io/v1"), alloc);
  lease.AddMember("kind", rapidjson::StringRef("Lease"), alloc);
  rapidjson::Value metadata(rapidjson::kObjectType);
  metadata.AddMember("name", rapidjson::Value(name_.c_str(), alloc), alloc);
  metadata.AddMember("namespace", rapidjson::Value(ns_.c_str(), alloc), alloc);
  lease.AddMember("metadata", metadata, alloc);
  lease.AddMember("spec", spec_of(record, alloc), alloc);
  kube::ObjectReply reply = co_await client_.create(lease_resource(), ns_, lease);
  audit("create", lease_write_action("", record.holder_identity), reply);
  if (!reply.ok()) co_return std::move(reply.error);
  last_ = std::move(reply.object);
  co_return std::nullopt;
}

boost::asio::awaitable<std::optional<kube::ApiError>> KubeLeaseLock::update(
    LeaderElectionRecord record) {
  if (!last_) throw std::logic_error("KubeLeaseLock::update before get or create");
  // A copy of the last object (its resourceVersion included) with the new spec.
  auto lease = kube::copy_object(*last_, 1024);
  auto& alloc = lease->GetAllocator();
  lease->RemoveMember("spec");
  lease->AddMember("spec", spec_of(record, alloc), alloc);
  const std::string holder_before = record_from_lease(*last_).holder_identity;
  kube::ObjectReply reply = co_await client_.update(lease_resource(), ns_, *lease);
  audit("update", lease_write_action(holder_before, record.holder_identity), reply);
  if (!reply.ok()) co_return std::move(reply.error);
  last_ = std::move(reply.object);
  co_return std::nullopt;
}

void KubeLeaseLock::audit(std::string_view verb, std::string_view action,
                          const kube::ObjectReply& reply) const {
  const kube::WriteResult written = kube::write_result(reply.error, reply.status);
  // A renewal every retry period (2 s) at info would bury the lines that matter.
  observe::audit(kLog,
                 {.verb = verb,
                  .action = action,
                  .resource = lease_resource().qualified_resource(),
                  .ns = ns_,
                  .name = name_,
                  .code = written.code,
                  .result = written.result},
                 action == "renew" ? observe::LogLevel::kDebug : observe::LogLevel::kInfo);
}

}  // namespace steward::manager
