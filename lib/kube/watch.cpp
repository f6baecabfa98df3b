#include "kube/watch.hpp"

namespace steward::kube {

WatchStream::WatchStream(std::unique_ptr<ResponseStream> stream,
                         std::chrono::milliseconds idle_timeout)
    : stream_(std::move(stream)), idle_timeout_(idle_timeout) {}

boost::asio::awaitable<std::optional<WatchEvent>> WatchStream::next() {
  for (;;) {
    if (auto event = decoder_.next()) co_return event;
    auto piece = co_await stream_->read_some(idle_timeout_);
    if (piece.error) {
      ended_error_ = std::move(piece.error);
      co_return std::nullopt;
    }
    // The server ended the stream. A last event without a newline still counts.
    if (piece.data.empty()) co_return decoder_.finish();
    decoder_.feed(piece.data);
  }
}

}  // namespace steward::kube
