#include "support/delivery_check.hpp"

#include <prometheus/registry.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <set>

namespace steward::test {

namespace {

std::uint64_t resource_version(const informer::ObjectPtr& object) {
  const std::string_view text = kube::string_at(*object, {"metadata", "resourceVersion"});
  std::uint64_t rv = 0;
  std::from_chars(text.data(), text.data() + text.size(), rv);
  return rv;
}

// One key's versions, oldest first, and what its handlers were given, in order.
struct KeyHistory {
  std::vector<const TestApiVersion*> produced;
  std::vector<const Delivery*> delivered;
};

void add_lost(const std::string& key, const KeyHistory& history, std::vector<LostEvent>& lost) {
  std::set<std::uint64_t> seen;
  std::uint64_t listed = 0;  // the newest version a list gave: every older one is superseded
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gone;  // (from, to]: a list found it deleted
  for (std::size_t i = 0; i < history.delivered.size(); ++i) {
    const Delivery& d = *history.delivered[i];
    seen.insert(d.rv);
    if (d.from_watch) continue;
    if (!d.deleted) {
      listed = std::max(listed, d.rv);
      continue;
    }
    // The list was after the key's last deletion before its next delivery (a re-creation the
    // list did not see), and before that re-creation.
    const std::uint64_t next = i + 1 < history.delivered.size()
                                   ? history.delivered[i + 1]->rv
                                   : std::numeric_limits<std::uint64_t>::max();
    std::uint64_t last_delete = 0;
    for (const TestApiVersion* p : history.produced) {
      if (p->deleted && p->rv > d.rv && p->rv < next) last_delete = p->rv;
    }
    if (last_delete != 0) gone.emplace_back(d.rv, last_delete);
  }
  for (const TestApiVersion* p : history.produced) {
    if (seen.count(p->rv) || p->rv < listed) continue;
    if (std::any_of(gone.begin(), gone.end(),
                    [&](const auto& range) { return range.first < p->rv && p->rv <= range.second; }))
      continue;
    lost.push_back({key, p->rv, p->deleted});
  }
}

}  // namespace

std::vector<LostEvent> lost_events(const std::vector<TestApiVersion>& produced,
                                   const std::vector<Delivery>& deliveries) {
  std::map<std::string, KeyHistory> keys;
  for (const TestApiVersion& p : produced) keys[p.key].produced.push_back(&p);
  for (const Delivery& d : deliveries) {
    if (auto it = keys.find(d.key); it != keys.end()) it->second.delivered.push_back(&d);
  }
  std::vector<LostEvent> lost;
  for (auto& [key, history] : keys) {
    std::sort(history.produced.begin(), history.produced.end(),
              [](const TestApiVersion* a, const TestApiVersion* b) { return a->rv < b->rv; });
    add_lost(key, history, lost);
  }
  return lost;
}

std::string describe(const std::vector<LostEvent>& lost) {
  std::string text;
  for (const LostEvent& e : lost) {
    text += e.key + " at " + std::to_string(e.rv) + (e.deleted ? " (deleted)" : "") + "\n";
  }
  return text;
}

DeliveryRecorder::DeliveryRecorder(std::function<double()> watch_events)
    : watch_events_(std::move(watch_events)) {}

informer::ResourceEventHandlers DeliveryRecorder::handlers() {
  return {.on_add = [this](const informer::ObjectPtr& object) { record(object, false); },
          .on_update =
              [this](const informer::ObjectPtr& old_object, const informer::ObjectPtr& object) {
                // A resync re-delivers the cached object: nothing new, and no list either.
                if (resource_version(old_object) == resource_version(object)) return;
                record(object, false);
              },
          .on_delete = [this](const informer::ObjectPtr& object) { record(object, true); },
          .on_synced =
              [this] {
                std::lock_guard guard(mu_);
                synced_ = true;
                counted_ = watch_events_();
              }};
}

void DeliveryRecorder::record(const informer::ObjectPtr& object, bool deleted) {
  Delivery delivery{informer::object_key(*object), resource_version(object), deleted, false};
  std::lock_guard guard(mu_);
  if (synced_) {
    const double counted = watch_events_();
    delivery.from_watch = counted > counted_;
    counted_ = counted;
  }
  deliveries_.push_back(std::move(delivery));
}

std::vector<Delivery> DeliveryRecorder::deliveries() const {
  std::lock_guard guard(mu_);
  return deliveries_;
}

std::function<double()> watch_event_count(const prometheus::Registry& registry,
                                          std::string resource) {
  return [&registry, resource = std::move(resource)] {
    double total = 0;
    for (const auto& family : registry.Collect()) {
      if (family.name != "steward_informer_events_total") continue;
      for (const auto& sample : family.metric) {
        bool ours = false;
        bool object_event = false;  // not a BOOKMARK or an ERROR: those reach no handler
        for (const auto& label : sample.label) {
          if (label.name == "resource") ours = label.value == resource;
          if (label.name == "type") {
            object_event =
                label.value == "ADDED" || label.value == "MODIFIED" || label.value == "DELETED";
          }
        }
        if (ours && object_event) total += sample.counter.value;
      }
    }
    return total;
  };
}

}  // namespace steward::test
