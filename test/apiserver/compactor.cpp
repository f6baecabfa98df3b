#include "compactor.hpp"

namespace steward::testapi {

std::uint64_t Compactor::tick() {
  // compact(): the compare-and-swap write first, then etcd's Compact at the previous tick's revision.
  const std::uint64_t at = noted_;
  noted_ = store_.write_unwatched();
  if (at > 0) store_.compact(at);
  return at;
}

}  // namespace steward::testapi
