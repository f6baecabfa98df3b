#pragma once
// cache_matches_server: the informer layer's end-state check. After faults stop, a cache must hold
// exactly what a fresh list of the server holds: the same keys, each at the same resourceVersion.

#include <boost/asio/awaitable.hpp>
#include <string>

#include "informer/store.hpp"
#include "kube/client.hpp"

namespace steward::test {

// Empty when the store equals a fresh list of `type` in `ns` (all namespaces when empty) of the
// objects `label_selector` selects (all when empty: pass the informer's own selector);
// otherwise what differs, one item per line ("missing ns/a", "extra ns/b", "stale ns/c 5 != 7").
boost::asio::awaitable<std::string> cache_difference(kube::Client& client,
                                                     const kube::ResourceType& type,
                                                     const informer::Store& store,
                                                     std::string ns = {},
                                                     std::string label_selector = {});

}  // namespace steward::test
