#include "kube/async_semaphore.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>

namespace steward::kube {
namespace asio = boost::asio;

namespace {

// One coroutine waiting for a permit. Touched only on the semaphore's strand.
struct Waiter {
  explicit Waiter(asio::any_io_executor executor) : timer(std::move(executor)) {}
  asio::steady_timer timer;  // expires at the waiter's deadline; cancelled to hand it a permit
  bool granted = false;      // set by the release() that handed over its permit
};

}  // namespace

struct AsyncSemaphore::State {
  State(asio::io_context& io, std::size_t permits) : strand(asio::make_strand(io)), free(permits) {}

  asio::strand<asio::io_context::executor_type> strand;
  // Guarded by the strand: everything below is only read or written by handlers running on it.
  std::size_t free;
  std::deque<std::shared_ptr<Waiter>> waiters;
};

AsyncSemaphore::AsyncSemaphore(asio::io_context& io, std::size_t permits)
    : state_(std::make_shared<State>(io, permits)) {}

AsyncSemaphore::~AsyncSemaphore() = default;

namespace {

// acquire()'s bookkeeping, run on the strand. A free function taking its state by value, not a
// capturing lambda: GCC 12 destroys a coroutine lambda's temporary closure twice when it lives
// across a co_await, which would release `state` once too often.
asio::awaitable<bool> wait_for_permit(std::shared_ptr<AsyncSemaphore::State> state,
                                      std::chrono::steady_clock::time_point deadline) {
  if (state->free > 0) {
    --state->free;
    co_return true;
  }
  auto waiter = std::make_shared<Waiter>(state->strand);
  waiter->timer.expires_at(deadline);
  state->waiters.push_back(waiter);
  co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  // A grant can come after the timer fired but before this resumed: the flag, not the wait's
  // error code, says whether the permit is ours.
  if (waiter->granted) co_return true;
  std::erase(state->waiters, waiter);
  co_return false;
}

}  // namespace

asio::awaitable<bool> AsyncSemaphore::acquire(std::chrono::steady_clock::time_point deadline) {
  // Named before the co_await (see above); the caller resumes on its own executor afterwards.
  asio::awaitable<bool> wait = wait_for_permit(state_, deadline);
  co_return co_await asio::co_spawn(state_->strand, std::move(wait), asio::use_awaitable);
}

void AsyncSemaphore::release() {
  asio::post(state_->strand, [state = state_] {
    if (state->waiters.empty()) {
      ++state->free;
      return;
    }
    auto waiter = std::move(state->waiters.front());
    state->waiters.pop_front();
    waiter->granted = true;
    waiter->timer.cancel();
  });
}

}  // namespace steward::kube
