#pragma once
// LeaseLock: what the leader elector reads and writes, as client-go's resourcelock.Interface.
//
// The elector never talks to the API client directly: it reads the election record, creates it,
// and updates it with optimistic concurrency through this interface. KubeLeaseLock implements it
// over a coordination.k8s.io/v1 Lease; tests implement it in memory and drive the elector with a
// FakeClock.
//
// The lock remembers the object it last read or wrote (its resourceVersion above all): update()
// writes on top of that version, so the server answers 409 Conflict when anyone else wrote since.
// Calls come from one coroutine at a time (the elector's strand): no lock inside.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kube/api_error.hpp"
#include "kube/object.hpp"
#include "kube/resource.hpp"

namespace steward::kube {
class Client;
struct ObjectReply;
}

namespace steward::manager {

// A Lease's spec, as client-go's LeaderElectionRecord.
struct LeaderElectionRecord {
  std::string holder_identity;     // "" when nobody holds it (released)
  int lease_duration_seconds = 0;  // how long others wait after they saw it change
  std::string acquire_time;        // RFC 3339 micro time; "" when unset
  std::string renew_time;          // RFC 3339 micro time; "" when unset
  int lease_transitions = 0;       // how many times the holder changed

  bool operator==(const LeaderElectionRecord&) const = default;
};

struct LeaseRead {
  std::optional<kube::ApiError> error;  // is_not_found(): there is no Lease yet
  LeaderElectionRecord record;          // when ok
  bool ok() const { return !error; }
};

class LeaseLock {
 public:
  virtual ~LeaseLock() = default;
  virtual boost::asio::awaitable<LeaseRead> get() = 0;
  // 409 AlreadyExists: another candidate created it first.
  virtual boost::asio::awaitable<std::optional<kube::ApiError>> create(
      LeaderElectionRecord record) = 0;
  // On top of the version last read or written; 409 Conflict: someone wrote since. Call get() or
  // create() first.
  virtual boost::asio::awaitable<std::optional<kube::ApiError>> update(
      LeaderElectionRecord record) = 0;
  // "namespace/name", for logs.
  virtual std::string describe() const = 0;
};

// What a write of the Lease does, by its holderIdentity before (as last read or written; "" for a
// create) and after: "acquire" (it was free), "renew" (the same holder), "takeover" (another
// holder's, expired), "release" (emptied at shutdown). For audit lines.
std::string_view lease_write_action(std::string_view holder_before, std::string_view holder_after);

// The Lease's resource type; discovery is not needed for a built-in kind.
const kube::ResourceType& lease_resource();

// A coordination.k8s.io/v1 Lease through the API client. Updates keep whatever else the object
// carries (labels, annotations) and replace only the spec. Every create and update logs its audit
// line (observe/audit.hpp) with its lease_write_action; renewals at debug.
class KubeLeaseLock final : public LeaseLock {
 public:
  KubeLeaseLock(kube::Client& client, std::string ns, std::string name);

  boost::asio::awaitable<LeaseRead> get() override;
  boost::asio::awaitable<std::optional<kube::ApiError>> create(
      LeaderElectionRecord record) override;
  boost::asio::awaitable<std::optional<kube::ApiError>> update(
      LeaderElectionRecord record) override;
  std::string describe() const override { return ns_ + "/" + name_; }

 private:
  void audit(std::string_view verb, std::string_view action, const kube::ObjectReply& reply) const;

  kube::Client& client_;
  const std::string ns_;
  const std::string name_;
  std::shared_ptr<kube::Object> last_;  // the Lease as last read or written
};

// The Lease's spec as a record; absent fields are left at their zero values.
LeaderElectionRecord record_from_lease(const rapidjson::Value& lease);

// RFC 3339 with microseconds in UTC, as Kubernetes' MicroTime: "2006-01-02T15:04:05.000000Z".
std::string format_micro_time(std::chrono::system_clock::time_point time);

}  // namespace steward::manager
