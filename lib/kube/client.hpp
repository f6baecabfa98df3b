#pragma once
// Client: the Kubernetes API client every part of steward talks through.
//
// Every request passes, in order:
//   circuit breaker   fails fast (no network) while the server is known to be failing
//   throttle          client-side token bucket, 50 qps burst 100 by default (client-go's defaults
//                     are 5/10; controllers raise them: controller-runtime users commonly run 20-50);
//                     adaptive when the server runs API Priority and Fairness (client_throttle.hpp)
//   credentials       Authorization header; a 401 refreshes them and retries once
//   transport         one attempt (Transport)
//   retry policy      429 / 5xx / no response, with backoff honouring Retry-After (RetryPolicy)
//   write fence       when set, every attempt of a write (each retry included) must pass it, and
//                     closing it cuts the attempts on the wire (WriteFence)
//   metrics           rest_client_requests_total, rest_client_request_duration_seconds, breaker
// Watches pass the same gates to open; their stream then runs on a connection of its own.
//
// Verbs work on JSON objects and ResourceTypes (from Discovery). Failures are ApiErrors: never
// exceptions. Thread-safe; all I/O runs on the io_context given to the constructor.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "kube/api_error.hpp"
#include "kube/circuit_breaker.hpp"
#include "kube/client_throttle.hpp"
#include "kube/credentials.hpp"
#include "kube/http_message.hpp"
#include "kube/object.hpp"
#include "kube/resource.hpp"
#include "kube/rest_config.hpp"
#include "kube/retry_policy.hpp"
#include "kube/transport.hpp"
#include "kube/write_fence.hpp"

namespace prometheus {
class Registry;
}

namespace steward::kube {

class ClientMetrics;
class WatchStream;

struct ClientOptions {
  // Requests per second to the server: fixed, or adaptive under API Priority and Fairness
  // (client_throttle.hpp).
  ThrottleOptions throttle;
  RetryOptions retry;
  CircuitBreakerOptions breaker;
  // Told of each move of the breaker (steward run logs them), on the thread of the request that
  // caused it.
  CircuitBreaker::Observer on_breaker_change;
  // Told when credentials_rejected() changes (steward run logs it), on the request's thread.
  std::function<void(bool rejected)> on_credentials_change;
  TransportOptions transport;
  CredentialsOptions credentials;
  // Leader election's fence for writes (POST, PUT, PATCH, DELETE; not HttpRequest::passes_fence);
  // borrowed, must outlive the client. Null: writes are never fenced.
  WriteFence* fence = nullptr;
  // Metrics go here when set.
  prometheus::Registry* registry = nullptr;
  const base::Clock* clock = &base::SteadyClock::instance();
};

// The outcome of a request: the response, or the error (an error status, or no response).
struct Reply {
  std::optional<ApiError> error;
  HttpResponse response;
  bool ok() const { return !error; }
};

struct ObjectReply {
  std::optional<ApiError> error;
  std::shared_ptr<Object> object;  // set when ok
  int status = 0;  // the HTTP status when ok (200, 201: an apply that created): for audit lines
  bool ok() const { return !error; }
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  // "" = consistent read from etcd; "0" = any version (the apiserver's watch cache); else at least
  // that version.
  std::string resource_version;
  int limit = 500;                // page size (client-go's reflector: 500)
  std::string continue_token;     // from the previous page
  // Run on each item as soon as it is parsed, before the next one is; it may take the item
  // (leave it null), and the reply keeps only items left to it. A cache that keeps a transformed
  // copy lets the parsed original go at once, so the originals of a page never sit between the
  // copies and leave the heap fragmented. A page whose body turns out broken after some items
  // were run gives an error reply: what on_item took from it must then be dropped.
  std::function<void(std::shared_ptr<Object>& item)> on_item;
};

struct ListReply {
  std::optional<ApiError> error;
  // Items get the list's apiVersion and kind (without "List") when the server left them out, as
  // client-go's unstructured decoding does for built-in kinds.
  std::vector<std::shared_ptr<Object>> items;
  std::string resource_version;  // the list's: where a watch starts
  std::string continue_token;    // non-empty while pages remain
  bool ok() const { return !error; }
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // watch from after this version
  bool allow_bookmarks = true;
  std::chrono::seconds timeout{300};  // the server ends the watch after this
  // No byte for this long ends the stream with a timeout (WatchStream::went_idle()): the
  // connection is taken for dead. A peer that vanished without closing (a load balancer that
  // dropped its state) is otherwise noticed only at the watch's timeout, minutes later. 90 s: the
  // API server sends a bookmark roughly every minute to a watch that allows them (v1.20,
  // storage/cacher/cacher.go nextBookmarkTime), so a live watch is never silent this long, and a
  // cut is found well within 2 minutes. A watch without bookmarks hears nothing while nothing
  // changes: give it more (its timeout and a margin).
  std::chrono::milliseconds idle_timeout{90'000};
};

struct WatchReply {
  std::optional<ApiError> error;  // e.g. 410 Gone as an HTTP status
  std::unique_ptr<WatchStream> stream;
  bool ok() const { return !error; }
};

struct ApplyOptions {
  std::string field_manager = "steward";
  bool force = true;
  bool dry_run = false;
};

struct DeleteOptions {
  std::string uid;               // precondition, if set
  std::string resource_version;  // precondition, if set
  std::string propagation_policy = "Background";
  bool dry_run = false;
};

// Defaults for the verbs' option arguments, as named objects: GCC 12 mishandles a temporary (such
// as a `= {}` default argument) that lives across a co_await, freeing it twice.
inline const ApplyOptions kDefaultApplyOptions{};
inline const DeleteOptions kDefaultDeleteOptions{};

class Client {
 public:
  Client(boost::asio::io_context& io, RestConfig config, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Any request, through every gate above. A status >= 400 comes back as an error.
  boost::asio::awaitable<Reply> request(HttpRequest request);

  boost::asio::awaitable<ObjectReply> get(const ResourceType& type, std::string_view ns,
                                          std::string_view name);
  // One page; see list_all() for every page.
  boost::asio::awaitable<ListReply> list(const ResourceType& type, std::string_view ns,
                                         const ListOptions& options);
  // Every page, concatenated. The resourceVersion is the last page's (the snapshot's).
  boost::asio::awaitable<ListReply> list_all(const ResourceType& type, std::string_view ns,
                                             ListOptions options);
  boost::asio::awaitable<ObjectReply> create(const ResourceType& type, std::string_view ns,
                                             const rapidjson::Value& object);
  // PUT: `object` carries metadata.resourceVersion for optimistic concurrency.
  boost::asio::awaitable<ObjectReply> update(const ResourceType& type, std::string_view ns,
                                             const rapidjson::Value& object);
  // Server-side apply of `object` (apiVersion, kind, metadata.name and the fields steward owns).
  boost::asio::awaitable<ObjectReply> apply(const ResourceType& type, std::string_view ns,
                                            const rapidjson::Value& object,
                                            const ApplyOptions& options = kDefaultApplyOptions);
  // A 404 is an error here; callers that treat "already gone" as done check is_not_found().
  boost::asio::awaitable<Reply> remove(const ResourceType& type, std::string_view ns,
                                       std::string_view name,
                                       const DeleteOptions& options = kDefaultDeleteOptions);
  boost::asio::awaitable<WatchReply> watch(const ResourceType& type, std::string_view ns,
                                           const WatchOptions& options);

  const RestConfig& config() const { return config_; }
  CircuitBreaker::State breaker_state() const { return breaker_.state(); }
  // Whether the server's latest answer was 401 Unauthorized even after the credentials were read
  // again: steward can do nothing until its token or certificate is fixed (a readiness check).
  // Any other answer from the server clears it.
  bool credentials_rejected() const { return credentials_rejected_.load(); }
  // Sets the breaker gauge from the breaker's state now. Requests keep it current while they flow;
  // the metrics server calls this before each scrape so that an idle client whose breaker has
  // meanwhile turned half-open does not go on reporting "open".
  void update_metrics();

 private:
  boost::asio::awaitable<void> sleep(base::Clock::duration delay);
  // Waits for the breaker and the throttle; an error when the breaker is open.
  boost::asio::awaitable<std::optional<ApiError>> admit();
  // The Authorization header; an exec plugin runs on a thread of its own, never on an I/O thread.
  boost::asio::awaitable<Credentials::Header> authorization();
  // Tells the throttle what the attempt got back (client_throttle.hpp): `response` null when no
  // answer came, `error` the attempt's error if any.
  void observe_throttle(const HttpRequest& request, const HttpResponse* response,
                        const std::optional<ApiError>& error,
                        std::chrono::steady_clock::time_point started);
  void record(const HttpRequest& request, const std::optional<ApiError>& transport_error,
              int status, std::chrono::steady_clock::time_point started);
  ObjectReply object_reply(Reply reply);
  // Every attempt's gates: admit(), then the Authorization header, set on `request`. An error
  // when the attempt is not to be sent.
  boost::asio::awaitable<std::optional<ApiError>> gate(HttpRequest& request);
  // After the server answered `status` to `request`: true for a first 401 (`refreshed` false),
  // whose credentials it has refreshed for one more attempt; otherwise it records whether the
  // answer was a 401 to credentials read again (credentials_rejected()).
  bool send_again_after_401(const HttpRequest& request, int status, bool refreshed);
  void set_credentials_rejected(bool rejected);
  // Whether `request` must pass the write fence.
  static bool is_write(const HttpRequest& request);
  static ApiError fenced_error(const HttpRequest& request);

  const RestConfig config_;
  const ClientOptions options_;
  Credentials credentials_;
  Transport transport_;
  CircuitBreaker breaker_;
  ClientThrottle throttle_;
  std::unique_ptr<ClientMetrics> metrics_;
  std::atomic<bool> credentials_rejected_{false};
  struct ExecThread;  // a one-thread pool for exec credential plugins, when configured
  std::unique_ptr<ExecThread> exec_thread_;
};

}  // namespace steward::kube
