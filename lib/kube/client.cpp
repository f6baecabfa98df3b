#include "kube/client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "kube/client_metrics.hpp"
#include "kube/json_scan.hpp"
#include "kube/watch.hpp"

namespace steward::kube {
namespace asio = boost::asio;

namespace {

constexpr const char* kJson = "application/json";

void append_query(std::string& target, std::string_view name, std::string_view value) {
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += name;
  target += '=';
  target += url_encode(value);
}

// Gives an item of a built-in list the apiVersion and kind the server left out.
void fill_type(Object& item, const ScannedBody& list) {
  auto& alloc = item.GetAllocator();
  if (!item.HasMember("apiVersion") && !list.api_version.empty()) {
    item.AddMember("apiVersion", rapidjson::Value(list.api_version.c_str(), alloc), alloc);
  }
  if (!item.HasMember("kind") && list.kind.size() > 4 &&
      list.kind.compare(list.kind.size() - 4, 4, "List") == 0) {
    const std::string kind = list.kind.substr(0, list.kind.size() - 4);
    item.AddMember("kind", rapidjson::Value(kind.c_str(), alloc), alloc);
  }
}

}  // namespace

struct Client::ExecThread {
  asio::thread_pool pool{1};
  ~ExecThread() { pool.join(); }
};

Client::Client(asio::io_context& io, RestConfig config, ClientOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      credentials_(config_.auth, *options_.clock, options_.credentials),
      transport_(io, config_, options_.transport, *options_.clock),
      breaker_(options_.breaker, *options_.clock, options_.on_breaker_change),
      throttle_(options_.throttle, *options_.clock) {
  if (options_.registry != nullptr) {
    metrics_ = std::make_unique<ClientMetrics>(*options_.registry, transport_.host());
    metrics_->breaker_state(breaker_.state());
    metrics_->throttle(throttle_.limit(), throttle_.adaptive());
  }
  if (config_.auth.exec) exec_thread_ = std::make_unique<ExecThread>();
}

Client::~Client() = default;

asio::awaitable<void> Client::sleep(base::Clock::duration delay) {
  if (delay <= base::Clock::duration::zero()) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(delay);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<Credentials::Header> Client::authorization() {
  if (!exec_thread_) co_return credentials_.authorization();
  // The plugin may run for seconds; the awaiting coroutine resumes on its own executor afterwards.
  co_return co_await asio::co_spawn(
      exec_thread_->pool.get_executor(),
      [this]() -> asio::awaitable<Credentials::Header> { co_return credentials_.authorization(); },
      asio::use_awaitable);
}

asio::awaitable<std::optional<ApiError>> Client::admit() {
  const bool allowed = breaker_.allow();
  if (metrics_) metrics_->breaker_state(breaker_.state());
  if (!allowed) {
    co_return ApiError::circuit_open(
        "circuit breaker open for " + transport_.host() + ": failing fast",
        std::chrono::ceil<std::chrono::milliseconds>(breaker_.retry_in()));
  }
  co_await sleep(throttle_.reserve());
  co_return std::nullopt;
}

asio::awaitable<std::optional<ApiError>> Client::gate(HttpRequest& request) {
  if (auto refused = co_await admit()) co_return refused;
  auto header = co_await authorization();
  if (header.error) co_return std::move(header.error);
  request.authorization = std::move(header.value);
  co_return std::nullopt;
}

bool Client::is_write(const HttpRequest& request) {
  return !request.passes_fence && request.method != "GET" && request.method != "HEAD";
}

ApiError Client::fenced_error(const HttpRequest& request) {
  return ApiError::fenced(request.method + " " + request.target +
                          ": not sent: this process may not write (leadership lost)");
}

bool Client::send_again_after_401(const HttpRequest& request, int status, bool refreshed) {
  if (status == 401 && !refreshed) {
    // A rotated token or an expired exec credential: refresh once and try again.
    credentials_.unauthorized(request.authorization);
    return true;
  }
  set_credentials_rejected(status == 401);
  return false;
}

void Client::update_metrics() {
  if (metrics_) metrics_->breaker_state(breaker_.state());
}

void Client::set_credentials_rejected(bool rejected) {
  if (credentials_rejected_.exchange(rejected) != rejected && options_.on_credentials_change) {
    options_.on_credentials_change(rejected);
  }
}

void Client::record(const HttpRequest& request, const std::optional<ApiError>& transport_error,
                    int status, std::chrono::steady_clock::time_point started) {
  // The server is unwell when it does not answer, or answers 429 / 5xx; other 4xx are the
  // request's fault.
  const bool healthy = !transport_error && status != 429 && status < 500;
  breaker_.record(healthy);
  if (metrics_) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_->request(transport_error ? 0 : status, request.method, request.verb, seconds);
    metrics_->breaker_state(breaker_.state());
  }
}

void Client::observe_throttle(const HttpRequest& request, const HttpResponse* response,
                              const std::optional<ApiError>& error,
                              std::chrono::steady_clock::time_point started) {
  ClientThrottle::Answer answer{
      .status = response ? response->status : 0,
      .priority_and_fairness = response && response->priority_and_fairness,
      .verb = request.verb,
      .latency = std::chrono::steady_clock::now() - started};
  // The error read Retry-After (or the Status' retryAfterSeconds); none: the throttle's 1 s.
  if (const auto retry_after = error ? error->retry_after() : std::nullopt) {
    answer.retry_after = std::min<std::chrono::seconds>(*retry_after, std::chrono::seconds(60));
  }
  throttle_.observe(answer);
  if (metrics_) metrics_->throttle(throttle_.limit(), throttle_.adaptive());
}

asio::awaitable<Reply> Client::request(HttpRequest request) {
  RetryPolicy retry(options_.retry, *options_.clock);
  bool refreshed_credentials = false;
  const bool fenced = options_.fence != nullptr && is_write(request);
  for (int attempt = 1;; ++attempt) {
    if (auto refused = co_await gate(request)) co_return Reply{std::move(refused), {}};
    // The fence is passed after the throttle's wait, the last moment before the attempt is sent.
    RequestCancel cancel;
    std::optional<WriteFence::Pass> pass;
    if (fenced && !pass.emplace(*options_.fence, cancel)) co_return Reply{fenced_error(request), {}};
    const auto started = std::chrono::steady_clock::now();
    TransportResult result = co_await transport_.round_trip(request, fenced ? &cancel : nullptr);
    pass.reset();
    // Cut off on the wire: neither the server's health (the breaker) nor a retry.
    if (result.error && cancel.cancelled()) co_return Reply{fenced_error(request), {}};
    record(request, result.error, result.response.status, started);
    const bool answered = !result.error;
    std::optional<ApiError> error = std::move(result.error);
    if (answered && result.response.status >= 400) {
      error = ApiError::from_response(result.response.status, result.response.body,
                                      result.response.retry_after.empty()
                                          ? std::nullopt
                                          : std::optional<std::string_view>(
                                                result.response.retry_after),
                                      request.method);
    }
    observe_throttle(request, answered ? &result.response : nullptr, error, started);
    if (answered && send_again_after_401(request, result.response.status, refreshed_credentials)) {
      refreshed_credentials = true;
      continue;
    }
    if (!error) co_return Reply{std::nullopt, std::move(result.response)};

    if (auto delay = retry.next_delay(request.method, *error, attempt)) {
      co_await sleep(*delay);
      continue;
    }
    co_return Reply{std::move(error), std::move(result.response)};
  }
}

ObjectReply Client::object_reply(Reply reply) {
  if (!reply.ok()) return {std::move(reply.error), nullptr};
  auto object = parse_object(reply.response.body);
  if (object->HasParseError() || !object->IsObject()) {
    return {ApiError::transport_failure("response is not a JSON object"), nullptr};
  }
  return {std::nullopt, std::move(object), reply.response.status};
}

asio::awaitable<ObjectReply> Client::get(const ResourceType& type, std::string_view ns,
                                         std::string_view name) {
  // Requests are built as named values before co_await: GCC 12 mishandles a braced temporary
  // passed by value to a coroutine inside a co_await expression (it frees it twice).
  HttpRequest get{.method = "GET", .target = type.object_path(ns, name), .verb = "get"};
  co_return object_reply(co_await request(std::move(get)));
}

asio::awaitable<ListReply> Client::list(const ResourceType& type, std::string_view ns,
                                        const ListOptions& options) {
  std::string target = type.collection_path(ns);
  if (options.limit > 0) append_query(target, "limit", std::to_string(options.limit));
  if (!options.continue_token.empty()) append_query(target, "continue", options.continue_token);
  if (!options.label_selector.empty()) append_query(target, "labelSelector", options.label_selector);
  if (!options.field_selector.empty()) append_query(target, "fieldSelector", options.field_selector);
  // A continued list must not name a resourceVersion: the token carries it.
  if (options.continue_token.empty() && !options.resource_version.empty()) {
    append_query(target, "resourceVersion", options.resource_version);
  }
  HttpRequest get{.method = "GET", .target = target, .verb = "list"};
  Reply reply = co_await request(std::move(get));
  ListReply out;
  if (!reply.ok()) {
    out.error = std::move(reply.error);
    co_return out;
  }
  std::string body = std::move(reply.response.body);
  // Each item is built by the scan itself and taken as soon as it is complete.
  const ScannedBody scanned =
      scan_body(body, [&](std::shared_ptr<Object> item, const ScannedBody& list) {
        fill_type(*item, list);
        if (options.on_item) options.on_item(item);
        if (item) out.items.push_back(std::move(item));
      });
  if (!scanned.error.empty()) {
    out.items.clear();
    out.error = ApiError::transport_failure("list response is not JSON: " + scanned.error);
    co_return out;
  }
  out.resource_version = scanned.resource_version;
  out.continue_token = scanned.continue_token;
  co_return out;
}

asio::awaitable<ListReply> Client::list_all(const ResourceType& type, std::string_view ns,
                                            ListOptions options) {
  ListReply all;
  for (;;) {
    ListReply page = co_await list(type, ns, options);
    if (!page.ok()) co_return page;
    if (all.items.empty()) {
      all.items = std::move(page.items);
    } else {
      all.items.insert(all.items.end(), std::make_move_iterator(page.items.begin()),
                       std::make_move_iterator(page.items.end()));
    }
    all.resource_version = std::move(page.resource_version);
    if (page.continue_token.empty()) co_return all;
    options.continue_token = std::move(page.continue_token);
  }
}

asio::awaitable<ObjectReply> Client::create(const ResourceType& type, std::string_view ns,
                                            const rapidjson::Value& object) {
  HttpRequest post{.method = "POST",
                   .target = type.collection_path(ns),
                   .content_type = kJson,
                   .body = to_json(object),
                   .verb = "create"};
  co_return object_reply(co_await request(std::move(post)));
}

asio::awaitable<ObjectReply> Client::update(const ResourceType& type, std::string_view ns,
                                            const rapidjson::Value& object) {
  const std::string name(string_at(object, {"metadata", "name"}));
  HttpRequest put{.method = "PUT",
                  .target = type.object_path(ns, name),
                  .content_type = kJson,
                  .body = to_json(object),
                  .verb = "update"};
  co_return object_reply(co_await request(std::move(put)));
}

asio::awaitable<ObjectReply> Client::apply(const ResourceType& type, std::string_view ns,
                                           const rapidjson::Value& object,
                                           const ApplyOptions& options) {
  const std::string name(string_at(object, {"metadata", "name"}));
  std::string target = type.object_path(ns, name);
  append_query(target, "fieldManager", options.field_manager);
  if (options.force) append_query(target, "force", "true");
  if (options.dry_run) append_query(target, "dryRun", "All");
  // JSON is YAML: the apply content type takes either.
  HttpRequest patch{.method = "PATCH",
                    .target = target,
                    .content_type = "application/apply-patch+yaml",
                    .body = to_json(object),
                    .verb = "apply"};
  co_return object_reply(co_await request(std::move(patch)));
}

asio::awaitable<Reply> Client::remove(const ResourceType& type, std::string_view ns,
                                      std::string_view name, const DeleteOptions& options) {
  rapidjson::Document body(rapidjson::kObjectType);
  auto& alloc = body.GetAllocator();
  body.AddMember("kind", "DeleteOptions", alloc);
  body.AddMember("apiVersion", "v1", alloc);
  if (!options.uid.empty() || !options.resource_version.empty()) {
    rapidjson::Value preconditions(rapidjson::kObjectType);
    if (!options.uid.empty()) {
      preconditions.AddMember("uid", rapidjson::Value(options.uid.c_str(), alloc), alloc);
    }
    if (!options.resource_version.empty()) {
      preconditions.AddMember("resourceVersion",
                              rapidjson::Value(options.resource_version.c_str(), alloc), alloc);
    }
    body.AddMember("preconditions", preconditions, alloc);
  }
  body.AddMember("propagationPolicy",
                 rapidjson::Value(options.propagation_policy.c_str(), alloc), alloc);
  if (options.dry_run) {
    rapidjson::Value dry_run(rapidjson::kArrayType);
    dry_run.PushBack("All", alloc);
    body.AddMember("dryRun", dry_run, alloc);
  }
  HttpRequest del{.method = "DELETE",
                  .target = type.object_path(ns, name),
                  .content_type = kJson,
                  .body = to_json(body),
                  .verb = "delete"};
  co_return co_await request(std::move(del));
}

asio::awaitable<WatchReply> Client::watch(const ResourceType& type, std::string_view ns,
                                          const WatchOptions& options) {
  HttpRequest request{.method = "GET", .target = type.collection_path(ns), .verb = "watch"};
  append_query(request.target, "watch", "1");
  if (!options.resource_version.empty()) {
    append_query(request.target, "resourceVersion", options.resource_version);
  }
  if (options.allow_bookmarks) append_query(request.target, "allowWatchBookmarks", "true");
  append_query(request.target, "timeoutSeconds", std::to_string(options.timeout.count()));
  if (!options.label_selector.empty()) {
    append_query(request.target, "labelSelector", options.label_selector);
  }
  if (!options.field_selector.empty()) {
    append_query(request.target, "fieldSelector", options.field_selector);
  }

  // As request(): a 401 refreshes the credentials and opens the watch once more, so a rotated
  // token costs no backoff in the informer.
  StreamResult opened;
  for (bool refreshed = false;; refreshed = true) {
    if (auto refused = co_await gate(request)) co_return WatchReply{std::move(refused), nullptr};
    const auto started = std::chrono::steady_clock::now();
    opened = co_await transport_.open_stream(request);
    const int status = opened.stream ? opened.stream->head().status : 0;
    record(request, opened.error, status, started);
    if (opened.error) co_return WatchReply{std::move(opened.error), nullptr};
    if (!send_again_after_401(request, status, refreshed)) break;
  }
  if (const int status = opened.stream->head().status; status >= 400) {
    // An error answer to a watch is a small Status body: read it whole.
    std::string body;
    for (;;) {
      auto piece = co_await opened.stream->read_some(options_.transport.request_timeout);
      if (piece.error || piece.data.empty()) break;
      body.append(piece.data);
    }
    co_return WatchReply{ApiError::from_response(status, body, std::nullopt, "GET"), nullptr};
  }
  co_return WatchReply{std::nullopt, std::make_unique<WatchStream>(std::move(opened.stream),
                                                                   options.idle_timeout)};
}

}  // namespace steward::kube
