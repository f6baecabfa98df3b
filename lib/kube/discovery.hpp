#pragma once
// Discovery: which kinds the server serves, as resources, and whether they are namespaced.
//
// refresh() reads /api, /api/v1, /apis and every /apis/{group}/{version}, skipping subresources
// (names with a '/'). resolve() answers from the cache and, when a kind is unknown (a CRD created
// since), refreshes first, at most once per `min_refresh_interval` however many lookups miss at
// once, so a kind that never appears cannot hammer the server. A lookup that misses while another
// one's refresh is under way answers from the cache without waiting for it. A refresh that fails
// does not count: it learnt nothing, and a failing server is the client's retries' and circuit
// breaker's to pace. Thread-safe: lookups
// share a snapshot that a refresh swaps.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "kube/api_error.hpp"
#include "kube/resource.hpp"

namespace steward::kube {

class Client;

struct DiscoveryOptions {
  // Least time between refreshes caused by unknown kinds.
  base::Clock::duration min_refresh_interval = std::chrono::seconds(10);
  const base::Clock* clock = &base::SteadyClock::instance();
};

struct ResolveResult {
  std::optional<ApiError> error;        // discovery itself failed
  std::optional<ResourceType> type;     // nullopt without error: the kind is not served
};

class Discovery {
 public:
  explicit Discovery(Client& client, DiscoveryOptions options = {});

  boost::asio::awaitable<std::optional<ApiError>> refresh();
  boost::asio::awaitable<ResolveResult> resolve(std::string_view api_version,
                                                std::string_view kind);
  // Reads one group version (a CRD just established serves it) into the cache, outside the rate
  // limit: one request, asked for by someone who knows the kinds changed. A group version the
  // server does not serve (404) leaves the cache as it was and is no error.
  boost::asio::awaitable<std::optional<ApiError>> learn(std::string group, std::string version);
  // From the cache only.
  std::optional<ResourceType> find(std::string_view api_version, std::string_view kind) const;
  std::size_t resource_count() const;
  std::vector<ResourceType> resources() const;

 private:
  using Table = std::map<std::pair<std::string, std::string>, ResourceType, std::less<>>;

  boost::asio::awaitable<std::optional<ApiError>> read_group_version(
      const std::string& path, const std::string& group, const std::string& version,
      Table& table);

  Client& client_;
  const DiscoveryOptions options_;
  mutable std::mutex mu_;  // guards table_ and refresh_mark_
  std::shared_ptr<const Table> table_;   // (apiVersion, kind) -> type
  // The rate limit's mark: when a miss last started a refresh, or a refresh last completed.
  std::optional<base::Clock::time_point> refresh_mark_;
};

}  // namespace steward::kube
