#include "reconcile/event_correlator.hpp"

#include <algorithm>
#include <cstdio>
#include <list>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace steward::reconcile {
namespace {

// A map that keeps at most `capacity` entries, dropping the least recently used.
template <typename Value>
class LruMap {
 public:
  explicit LruMap(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {}

  // The entry, now the most recently used; null when absent.
  Value* find(const std::string& key) {
    const auto found = index_.find(key);
    if (found == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, found->second);
    return &found->second->second;
  }

  Value& insert(const std::string& key, Value value) {
    erase(key);
    entries_.emplace_front(key, std::move(value));
    index_.emplace(entries_.front().first, entries_.begin());
    while (entries_.size() > capacity_) {
      index_.erase(entries_.back().first);
      entries_.pop_back();
    }
    return entries_.front().second;
  }

  void erase(const std::string& key) {
    const auto found = index_.find(key);
    if (found == index_.end()) return;
    const auto entry = found->second;
    index_.erase(found);
    entries_.erase(entry);
  }

 private:
  using Entries = std::list<std::pair<std::string, Value>>;
  const std::size_t capacity_;
  Entries entries_;  // most recently used first
  // Keys point into `entries_` (list nodes do not move).
  std::unordered_map<std::string_view, typename Entries::iterator> index_;
};

// Not base::TokenBucket: that one promises tokens that do not exist yet (the caller waits for
// them); a spam filter refuses instead (client-go's TryAccept).
struct SpamBucket {
  double tokens;
  base::Clock::time_point last;
};

struct Series {
  std::string name;  // of the Event on the server
  int count = 0;
  base::Clock::time_point last;  // the latest occurrence
};

// A separator no Kubernetes name, kind or reason contains.
constexpr char kSep = '\x1f';

std::string spam_key(const ObjectReference& ref) {
  return ref.api_version + kSep + ref.kind + kSep + ref.ns + kSep + ref.name;
}

std::string series_key(const EventRecord& event) {
  return spam_key(event.regarding) + kSep + event.regarding.uid + kSep +
         std::string(to_string(event.type)) + kSep + event.reason + kSep + event.action + kSep +
         event.note;
}

bool alphanumeric(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

struct EventCorrelator::Tables {
  explicit Tables(std::size_t capacity) : buckets(capacity), series(capacity) {}
  LruMap<SpamBucket> buckets;  // by spam_key
  LruMap<Series> series;       // by series_key
};

std::string_view to_string(EventType type) {
  return type == EventType::kWarning ? "Warning" : "Normal";
}

EventCorrelator::EventCorrelator(EventCorrelatorOptions options)
    : options_(std::move(options)), tables_(std::make_unique<Tables>(options_.max_entries)) {}

EventCorrelator::~EventCorrelator() = default;

Correlation EventCorrelator::observe(const EventRecord& event,
                                     std::chrono::system_clock::time_point wall_now) {
  const auto now = options_.clock->now();
  const std::string spam = spam_key(event.regarding);
  SpamBucket* bucket = tables_->buckets.find(spam);
  if (bucket == nullptr) {
    bucket = &tables_->buckets.insert(spam, {static_cast<double>(options_.spam_burst), now});
  }
  const double refill = std::chrono::duration<double>(options_.spam_refill).count();
  const double elapsed = std::chrono::duration<double>(now - bucket->last).count();
  bucket->tokens = std::min(static_cast<double>(options_.spam_burst),
                            bucket->tokens + (refill > 0 ? elapsed / refill : 1.0));
  bucket->last = now;
  if (bucket->tokens < 1.0) return {Correlation::Action::kDrop, "", 0};
  bucket->tokens -= 1.0;

  const std::string key = series_key(event);
  if (Series* series = tables_->series.find(key);
      series != nullptr && now - series->last <= options_.window) {
    ++series->count;
    series->last = now;
    return {Correlation::Action::kUpdate, series->name, series->count};
  }
  const std::int64_t nanos = std::max<std::int64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(wall_now.time_since_epoch()).count(),
      last_name_nanos_ + 1);
  last_name_nanos_ = nanos;
  const Series& series =
      tables_->series.insert(key, {event_name(event.regarding.name, nanos), 1, now});
  return {Correlation::Action::kCreate, series.name, 1};
}

void EventCorrelator::forget(const EventRecord& event, const std::string& name) {
  const std::string key = series_key(event);
  if (const Series* series = tables_->series.find(key); series != nullptr && series->name == name) {
    tables_->series.erase(key);
  }
}

std::string event_name(std::string_view object_name, std::int64_t nanos) {
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, "%llx", static_cast<unsigned long long>(nanos));
  // A DNS subdomain: labels of [a-z0-9-] separated by dots, each starting and ending with a letter
  // or digit, 253 characters at most.
  const std::size_t room = 253 - 1 - std::char_traits<char>::length(suffix);
  std::string prefix;
  std::string label;
  auto end_label = [&] {
    while (!label.empty() && label.back() == '-') label.pop_back();
    if (!label.empty()) prefix += (prefix.empty() ? "" : ".") + label;
    label.clear();
  };
  for (char c : object_name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '.') {
      end_label();
    } else if (alphanumeric(c) || !label.empty()) {
      label += alphanumeric(c) ? c : '-';
    }
  }
  end_label();
  if (prefix.size() > room) {
    prefix.resize(room);
    while (!prefix.empty() && !alphanumeric(prefix.back())) prefix.pop_back();
  }
  if (prefix.empty()) prefix = "object";
  return prefix + "." + suffix;
}

}  // namespace steward::reconcile
