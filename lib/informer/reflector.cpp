#include "informer/reflector.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/free_memory.hpp"
#include "kube/frozen_object.hpp"
#include "kube/watch.hpp"

namespace steward::informer {
namespace asio = boost::asio;

namespace {

constexpr auto kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";
// A watch that ends sooner than this without an event failed (the server closed it at once); one
// open this long works, events or not.
constexpr auto kShortWatch = std::chrono::seconds(1);

std::string_view event_type_name(kube::WatchEvent::Type type) {
  switch (type) {
    case kube::WatchEvent::Type::added: return "ADDED";
    case kube::WatchEvent::Type::modified: return "MODIFIED";
    case kube::WatchEvent::Type::deleted: return "DELETED";
    case kube::WatchEvent::Type::bookmark: return "BOOKMARK";
    case kube::WatchEvent::Type::error: return "ERROR";
  }
  return "UNKNOWN";
}

}  // namespace

std::string to_string(const ReflectorHealth& health) {
  if (health.failing_for.count() == 0 && health.last_error.empty()) return "watching";
  return "no watch for " + std::to_string(health.failing_for.count()) +
         " s (last error: " + health.last_error + ")";
}

void default_transform(kube::Object& object) {
  auto metadata = object.FindMember("metadata");
  if (metadata == object.MemberEnd() || !metadata->value.IsObject()) return;
  metadata->value.RemoveMember("managedFields");
  auto annotations = metadata->value.FindMember("annotations");
  if (annotations != metadata->value.MemberEnd() && annotations->value.IsObject()) {
    annotations->value.RemoveMember(kLastApplied);
  }
}

Reflector::Reflector(std::unique_ptr<ListerWatcher> source, Store& store, EventSink& sink,
                     ReflectorOptions options)
    : source_(std::move(source)),
      store_(store),
      sink_(sink),
      options_(std::move(options)),
      clock_(*options_.clock),
      relist_backoff_(options_.backoff, clock_),
      rewatch_backoff_(
          [this] {
            base::BackoffOptions rewatch = options_.backoff;
            rewatch.seed = options_.backoff.seed + 1;  // the two must not jitter alike
            return rewatch;
          }(),
          clock_),
      random_(options_.seed) {}

std::string Reflector::last_resource_version() const {
  std::lock_guard guard(mu_);
  return last_version_;
}

void Reflector::set_version(std::string_view version) {
  if (version.empty()) return;
  std::lock_guard guard(mu_);
  last_version_ = version;
}

std::string Reflector::relist_version() const {
  if (version_unavailable_) return "";
  std::string last = last_resource_version();
  return last.empty() ? "0" : last;
}

ReflectorHealth Reflector::health() const {
  std::lock_guard guard(mu_);
  return health_locked(clock_.now());
}

ReflectorHealth Reflector::health_locked(base::Clock::time_point now) const {
  ReflectorHealth health;
  if (!failing_since_) return health;
  // A watch open for as long as the short-watch rule allows is working, events or not.
  if (watch_opened_at_ && now - *watch_opened_at_ >= kShortWatch) return health;
  health.failing_for = std::chrono::duration_cast<std::chrono::seconds>(now - *failing_since_);
  health.healthy = health.failing_for < options_.unhealthy_after;
  health.last_error = last_error_;
  return health;
}

void Reflector::note_failure(std::string what) {
  std::string detail;
  {
    std::lock_guard guard(mu_);
    const auto now = clock_.now();
    watch_opened_at_.reset();
    if (!failing_since_) failing_since_ = now;
    last_error_ = std::move(what);
    const ReflectorHealth health = health_locked(now);
    if (health.healthy || reported_unhealthy_) return;
    reported_unhealthy_ = true;
    detail = to_string(health);
  }
  sink_.on_health_change(false, detail);
}

void Reflector::note_watch_works() {
  {
    std::lock_guard guard(mu_);
    watch_opened_at_.reset();
    failing_since_.reset();
    last_error_.clear();
    if (!reported_unhealthy_) return;
    reported_unhealthy_ = false;
  }
  sink_.on_health_change(true, "watching again");
}

void Reflector::stop() {
  stopping_ = true;
  std::lock_guard guard(mu_);
  if (current_watch_ != nullptr) current_watch_->close();
  if (cancel_wait_) cancel_wait_();
}

void Reflector::back_off_after(const std::optional<kube::ApiError>& error, State then) {
  next_wait_ = error ? error->circuit_retry_in() : std::nullopt;
  after_backoff_ = then;
  state_ = State::backing_off;
}

void Reflector::watch_failed(std::string what, bool gone,
                             const std::optional<kube::ApiError>& error) {
  note_failure("watch: " + std::move(what));
  sink_.on_watch_restart(gone ? "gone" : "error");
  back_off_after(error, gone ? State::listing : State::watching);
}

void Reflector::watch_failed(const kube::ApiError& error) {
  watch_failed(error.to_string(), error.is_gone(), error);
}

asio::awaitable<void> Reflector::run() {
  while (!stopping_) {
    switch (state_.load()) {
      case State::listing: co_await list(); break;
      case State::watching: co_await watch(); break;
      case State::backing_off: co_await back_off(); break;
      case State::stopped: break;
    }
  }
  state_ = State::stopped;
}

ObjectPtr Reflector::ingest(std::shared_ptr<kube::Object> object) const {
  if (options_.transform) options_.transform(*object);
  // A parsed Object keeps its parser's pool slack and bookkeeping; the frozen copy keeps only
  // the object, and `object` goes when this returns.
  return kube::freeze(*object);
}

asio::awaitable<void> Reflector::list() {
  const std::string from = relist_version();
  // A relist at a version is sent without a limit so the watch cache answers it (see the header);
  // "0" keeps the limit, which the watch cache ignores and a server without one honours, and ""
  // (etcd, which reads the current revision either way) is paged to spare the server's memory.
  const bool at_version = from != "0" && !from.empty();
  kube::ListOptions page_options{.label_selector = options_.label_selector,
                                 .field_selector = options_.field_selector,
                                 .resource_version = from,
                                 .limit = at_version && !paginated_result_ ? 0 : options_.page_size};
  // Each item is taken (transformed and frozen) as it is parsed, so the page's parsed originals
  // are freed one by one instead of all sitting between the cached copies (bench_informer: 3.1 KB
  // of resident memory per 1 KiB ConfigMap before, most of it holes the originals left). A source
  // that does not call on_item returns its items in the page instead.
  std::vector<ObjectPtr> objects;
  page_options.on_item = [this, &objects](std::shared_ptr<kube::Object>& item) {
    objects.push_back(ingest(std::move(item)));
  };
  std::string version;
  bool paged = false;
  for (;;) {
    kube::ListReply page = co_await source_->list(page_options);
    if (!page.ok()) {
      note_failure("list: " + page.error->to_string());
      if ((page.error->is_gone() || page.error->is_resource_version_too_large()) &&
          !from.empty()) {
        // The version (or a continue token) is gone from etcd, or not reached yet: one
        // consistent read, at once (reflector.go: setIsLastSyncResourceVersionUnavailable).
        version_unavailable_ = true;
      } else {
        back_off_after(page.error, State::listing);
      }
      co_return;
    }
    for (auto& item : page.items) objects.push_back(ingest(std::move(item)));
    version = std::move(page.resource_version);
    if (page.continue_token.empty()) break;
    paged = true;
    page_options.continue_token = std::move(page.continue_token);
  }
  version_unavailable_ = false;
  if (from == "0" && paged) paginated_result_ = true;

  {
    Store::Changes changes = store_.replace(std::move(objects));
    set_version(version);
    for (const auto& object : changes.deleted) sink_.on_delete(object);
    for (const auto& object : changes.added) sink_.on_add(object);
    for (const auto& [old_object, new_object] : changes.updated) {
      sink_.on_update(old_object, new_object);
    }
  }
  // Everything the list needed only while it ran is freed now, mostly between cached objects.
  base::release_free_memory();
  if (!synced_) {
    synced_ = true;
    sink_.on_synced();
  }
  state_ = State::watching;
}

void Reflector::store_object(kube::WatchEvent& event) {
  ObjectPtr object = ingest(std::move(event.object));
  set_version(kube::string_at(*object, {"metadata", "resourceVersion"}));
  if (event.type == kube::WatchEvent::Type::deleted) {
    store_.remove(kube::string_at(*object, {"metadata", "namespace"}),
                  kube::string_at(*object, {"metadata", "name"}));
    sink_.on_delete(object);  // the object as it was deleted: the newest state
    return;
  }
  if (ObjectPtr old_object = store_.upsert(object)) {
    sink_.on_update(old_object, object);
  } else {
    sink_.on_add(object);
  }
}

asio::awaitable<void> Reflector::watch() {
  const auto timeout = std::uniform_int_distribution<std::int64_t>(
      options_.min_watch_timeout.count(), options_.max_watch_timeout.count())(random_);
  kube::WatchOptions watch_options{.label_selector = options_.label_selector,
                                   .field_selector = options_.field_selector,
                                   .resource_version = last_resource_version(),
                                   .allow_bookmarks = true,
                                   .timeout = std::chrono::seconds(timeout),
                                   .idle_timeout = options_.watch_idle_timeout};
  kube::WatchReply reply = co_await source_->watch(watch_options);
  if (!reply.ok()) {
    watch_failed(*reply.error);
    co_return;
  }
  kube::WatchStream& stream = *reply.stream;
  const auto started = clock_.now();
  {
    std::lock_guard guard(mu_);
    current_watch_ = &stream;
    if (failing_since_) watch_opened_at_ = started;
    if (stopping_) stream.close();
  }
  int events = 0;
  std::optional<kube::ApiError> failed;  // an ERROR event's Status
  while (auto event = co_await stream.next()) {
    sink_.on_watch_event(event_type_name(event->type));
    if (event->type == kube::WatchEvent::Type::error) {
      failed = event->error ? *event->error
                            : kube::ApiError::transport_failure("watch ERROR event without a Status");
      break;
    }
    if (events++ == 0) note_watch_works();
    if (event->type == kube::WatchEvent::Type::bookmark) {
      set_version(kube::string_at(*event->object, {"metadata", "resourceVersion"}));
    } else {
      store_object(*event);
    }
  }
  {
    std::lock_guard guard(mu_);
    current_watch_ = nullptr;
  }
  stream.close();
  if (stopping_) co_return;
  const bool short_lived = clock_.now() - started < kShortWatch;
  if (!short_lived) note_watch_works();  // it worked while it lasted, whatever ended it
  if (failed) {
    watch_failed(*failed);
  } else if (stream.went_idle()) {
    // Its connection died without closing (or the server sent no bookmark in time), so neither a
    // backoff nor the short-watch rule applies: the next watch shows whether the server is there.
    sink_.on_watch_restart("idle");
    state_ = State::watching;
  } else if (stream.ended_error()) {
    watch_failed(*stream.ended_error());
  } else if (events == 0 && short_lived) {
    watch_failed("closed by the server at once, without an event", false);
  } else {
    sink_.on_watch_restart("timeout");
    state_ = State::watching;
  }
}

asio::awaitable<void> Reflector::back_off() {
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  if (next_wait_) {
    timer->expires_after(*next_wait_);
    next_wait_.reset();
  } else {
    base::Backoff& backoff =
        after_backoff_ == State::listing ? relist_backoff_ : rewatch_backoff_;
    timer->expires_after(backoff.next());
  }
  {
    std::lock_guard guard(mu_);
    if (stopping_) co_return;
    // stop() may come from another thread: cancel on the timer's own executor.
    cancel_wait_ = [timer] { asio::post(timer->get_executor(), [timer] { timer->cancel(); }); };
  }
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  {
    std::lock_guard guard(mu_);
    cancel_wait_ = nullptr;
  }
  state_ = after_backoff_;
}

}  // namespace steward::informer
