#include "desired/desired_state_store.hpp"

namespace steward::desired {

DesiredStateStore::DesiredStateStore() : current_(std::make_shared<const DesiredState>()) {}

std::shared_ptr<const DesiredState> DesiredStateStore::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

void DesiredStateStore::publish(std::shared_ptr<const DesiredState> next) {
  std::lock_guard lock(mu_);
  current_ = std::move(next);
}

namespace {
// Errors for objects of `load` whose keys another source of `state` defines.
std::vector<Diagnostic> clashes(const DesiredState& state, const SourceLoad& load) {
  std::vector<Diagnostic> errors;
  for (const auto& object : load.objects) {
    const DesiredObject* other = state.find(object->key);
    if (other != nullptr && other->source != load.source)
      errors.push_back({object->location, "object " + object->key.to_string() +
                                              " is also defined by source \"" + other->source +
                                              "\" at " + other->location.to_string()});
  }
  return errors;
}
}  // namespace

StoreUpdate DesiredStateStore::apply(SourceLoad load) {
  std::lock_guard update(update_mu_);
  StoreUpdate result;
  result.previous = current();
  result.current = result.previous;
  result.errors = std::move(load.errors);
  if (result.errors.empty()) result.errors = clashes(*result.previous, load);
  result.accepted = result.errors.empty();

  if (result.accepted) {
    std::vector<SourceObjects> sources;
    for (const auto& source : result.previous->sources())
      if (source.name != load.source) sources.push_back(source);
    sources.push_back({load.source, std::move(load.objects)});
    result.current = std::make_shared<const DesiredState>(std::move(sources));
    result.diff = diff(*result.previous, *result.current);
    publish(result.current);
  }

  std::lock_guard lock(mu_);
  SourceStatus& status = status_[load.source];
  status.name = load.source;
  status.last_load_ok = result.accepted;
  status.errors = result.errors;
  status.last_load = std::chrono::system_clock::now();
  if (result.accepted) {
    status.last_success = status.last_load;
    status.loaded = true;
    ++status.loads_succeeded;
  } else {
    ++status.loads_failed;
  }
  const SourceObjects* in_force = result.current->source(load.source);
  status.objects = in_force ? in_force->objects.size() : 0;
  return result;
}

StoreUpdate DesiredStateStore::reload(const SourceSpec& spec, const LoaderOptions& options) {
  return apply(load_source(spec, options));
}

StoreUpdate DesiredStateStore::remove_source(const std::string& name) {
  std::lock_guard update(update_mu_);
  StoreUpdate result;
  result.previous = current();
  std::vector<SourceObjects> sources;
  for (const auto& source : result.previous->sources())
    if (source.name != name) sources.push_back(source);
  result.current = std::make_shared<const DesiredState>(std::move(sources));
  result.diff = diff(*result.previous, *result.current);
  result.accepted = true;
  publish(result.current);
  std::lock_guard lock(mu_);
  status_.erase(name);
  return result;
}

std::optional<SourceStatus> DesiredStateStore::status(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto at = status_.find(name);
  if (at == status_.end()) return std::nullopt;
  return at->second;
}

std::vector<SourceStatus> DesiredStateStore::statuses() const {
  std::lock_guard lock(mu_);
  std::vector<SourceStatus> out;
  for (const auto& [name, status] : status_) out.push_back(status);
  return out;
}

}  // namespace steward::desired
