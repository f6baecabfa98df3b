// kube-apiserver's etcd compactor (k8s.io/apiserver storage/etcd3/compact.go): every
// --etcd-compaction-interval (5 minutes by default) it writes its compaction count to etcd
// (compact_rev_key, so the revision moves) and compacts at the revision that write returned the
// tick before. What was written during the last interval stays readable; the first tick compacts
// nothing. It has no clock of its own: the server's timer ticks it, and so does the admin
// endpoint's `compactorTick` fault, so tests need not wait minutes.
#pragma once

#include "store.hpp"

#include <cstdint>

namespace steward::testapi {

class Compactor {
 public:
  explicit Compactor(Store& store) : store_(store) {}

  // One tick; returns the revision it compacted at (0: none, the first tick).
  std::uint64_t tick();

 private:
  Store& store_;
  std::uint64_t noted_ = 0;  // the revision of the previous tick's write
};

}  // namespace steward::testapi
