#pragma once
// A scripted ListerWatcher for reflector and informer tests: each list and watch call is answered
// by a function the test provides, and watch streams are fed by the test, so every step is
// deterministic. Everything runs on one io_context driven by the test thread.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "informer/lister_watcher.hpp"
#include "kube/watch.hpp"

namespace steward::test {

// A response body the test writes to: push() a line, end() the stream, fail() it, or let it go
// silent past the watch's idle deadline.
class FakeResponseStream final : public kube::ResponseStream {
 public:
  explicit FakeResponseStream(boost::asio::io_context& io)
      : wake_(io, boost::asio::steady_timer::time_point::max()) {
    head_.status = 200;
  }

  void push(const std::string& line) {
    pieces_.push_back(line + "\n");
    wake_.cancel();
  }
  void end() {
    ended_ = true;
    wake_.cancel();
  }
  void fail() {
    failed_ = true;
    wake_.cancel();
  }
  bool closed() const { return closed_; }

  const kube::HttpResponse& head() const override { return head_; }

  // As the transport's: nothing pushed within `idle_timeout` is a timeout.
  boost::asio::awaitable<Piece> read_some(std::chrono::milliseconds idle_timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + idle_timeout;
    while (pieces_.empty() && !ended_ && !failed_ && !closed_) {
      if (std::chrono::steady_clock::now() >= deadline) {
        co_return Piece{{}, kube::ApiError::timeout("fake watch stream: idle deadline")};
      }
      wake_.expires_at(deadline);
      co_await wake_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    if (closed_ || failed_) co_return Piece{{}, kube::ApiError::transport_failure("broken")};
    if (pieces_.empty()) co_return Piece{{}, std::nullopt};
    current_ = std::move(pieces_.front());
    pieces_.pop_front();
    co_return Piece{current_, std::nullopt};
  }

  void close() override {
    closed_ = true;
    wake_.cancel();
  }

 private:
  kube::HttpResponse head_;
  boost::asio::steady_timer wake_;
  std::deque<std::string> pieces_;
  std::string current_;
  bool ended_ = false;
  bool failed_ = false;
  bool closed_ = false;
};

class FakeListerWatcher final : public informer::ListerWatcher {
 public:
  using ListFn = std::function<kube::ListReply(const kube::ListOptions&)>;

  FakeListerWatcher(boost::asio::io_context& io, ListFn list_fn) : io_(io), list_fn_(std::move(list_fn)) {}

  // Every list/watch request, in order, for assertions.
  std::vector<kube::ListOptions> lists;
  std::vector<kube::WatchOptions> watches;
  // Streams handed out by watch(), newest last (owned by the reflector; valid while it watches).
  std::vector<FakeResponseStream*> streams;
  // When set, the next watch() fails with this error instead of opening a stream.
  std::optional<kube::ApiError> fail_next_watch;
  // When set, every watch() fails with this error, until it is reset.
  std::optional<kube::ApiError> fail_watches;
  // When set, called with each new stream before the reflector reads it (to script its lines).
  std::function<void(FakeResponseStream&)> on_stream;

  boost::asio::awaitable<kube::ListReply> list(const kube::ListOptions& options) override {
    lists.push_back(options);
    co_return list_fn_(options);
  }

  boost::asio::awaitable<kube::WatchReply> watch(const kube::WatchOptions& options) override {
    watches.push_back(options);
    if (fail_next_watch) {
      auto error = std::move(*fail_next_watch);
      fail_next_watch.reset();
      co_return kube::WatchReply{std::move(error), nullptr};
    }
    if (fail_watches) co_return kube::WatchReply{*fail_watches, nullptr};
    auto stream = std::make_unique<FakeResponseStream>(io_);
    streams.push_back(stream.get());
    if (on_stream) on_stream(*stream);
    co_return kube::WatchReply{std::nullopt, std::make_unique<kube::WatchStream>(
                                                 std::move(stream), options.idle_timeout)};
  }

 private:
  boost::asio::io_context& io_;
  ListFn list_fn_;
};

// Runs `io` until `done()` holds, failing the test after a generous real-time deadline.
template <typename Predicate>
bool run_until(boost::asio::io_context& io, Predicate done,
               std::chrono::seconds deadline = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace steward::test
