#include "manager/io_threads.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <thread>
#include <vector>

namespace steward::manager {
namespace {

// An io_context whose services can be shut down (every pending handler destroyed) before it is
// destroyed: the first half of ~execution_context, which is protected there.
class StoppableIoContext final : public boost::asio::io_context {
 public:
  void destroy_pending_handlers() { shutdown(); }
};

}  // namespace

struct IoThreads::Impl {
  StoppableIoContext io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work{
      io.get_executor()};
  std::vector<std::thread> threads;
  bool stopped = false;
};

IoThreads::IoThreads(int threads) : impl_(std::make_unique<Impl>()) {
  for (int i = 0; i < threads; ++i) impl_->threads.emplace_back([this] { impl_->io.run(); });
}

IoThreads::~IoThreads() { stop(); }

boost::asio::io_context& IoThreads::io() { return impl_->io; }

void IoThreads::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->work.reset();
  impl_->io.stop();
  for (auto& thread : impl_->threads) thread.join();
  impl_->io.destroy_pending_handlers();
}

}  // namespace steward::manager
