#pragma once
// AsyncSemaphore: a counting semaphore for coroutines. The Transport bounds its pooled connections
// with one, so a burst of requests queues for a connection instead of opening one each.
//
// acquire() suspends the coroutine (never a thread) until a permit is free or `deadline` passes.
// Permits go to waiters first come, first served, and a release() hands its permit straight to the
// oldest waiter, so a stream of fresh callers cannot starve one that is already waiting.
// Thread-safe: the count and the queue live on a strand of their own, so acquire() and release()
// may run on any thread of the io_context; a release() after the semaphore is gone is harmless.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace steward::kube {

class AsyncSemaphore {
 public:
  AsyncSemaphore(boost::asio::io_context& io, std::size_t permits);
  ~AsyncSemaphore();
  AsyncSemaphore(const AsyncSemaphore&) = delete;
  AsyncSemaphore& operator=(const AsyncSemaphore&) = delete;

  // True: a permit is held, to be given back with release(). False: the deadline passed first.
  boost::asio::awaitable<bool> acquire(std::chrono::steady_clock::time_point deadline);
  void release();

  struct State;  // public only so that acquire()'s helper in the .cpp can name it

 private:
  std::shared_ptr<State> state_;  // shared with queued releases, which may outlive this
};

}  // namespace steward::kube
