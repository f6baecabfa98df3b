#include "support/cache_check.hpp"

#include <map>

namespace steward::test {

boost::asio::awaitable<std::string> cache_difference(kube::Client& client,
                                                     const kube::ResourceType& type,
                                                     const informer::Store& store,
                                                     std::string ns,
                                                     std::string label_selector) {
  kube::ListOptions options;  // resourceVersion "": a consistent read, not a cache
  options.label_selector = std::move(label_selector);
  auto list = co_await client.list_all(type, ns, options);
  if (!list.ok()) co_return "list failed: " + list.error->to_string();

  auto version = [](const rapidjson::Value& object) {
    return std::string(kube::string_at(object, {"metadata", "resourceVersion"}));
  };
  std::map<std::string, std::string> server;
  for (const auto& item : list.items) server[informer::object_key(*item)] = version(*item);
  std::map<std::string, std::string> cached;
  for (const auto& object : store.list()) cached[informer::object_key(*object)] = version(*object);

  std::string diff;
  for (const auto& [key, rv] : server) {
    auto it = cached.find(key);
    if (it == cached.end()) {
      diff += "missing " + key + "\n";
    } else if (it->second != rv) {
      diff += "stale " + key + " " + it->second + " != " + rv + "\n";
    }
  }
  for (const auto& [key, rv] : cached) {
    if (!server.count(key)) diff += "extra " + key + "\n";
  }
  co_return diff;
}

}  // namespace steward::test
