#include "manager/heartbeat.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

namespace steward::manager {
namespace {
constexpr auto kLate = std::chrono::seconds(30);
}  // namespace

struct Heartbeat::State {
  explicit State(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  std::atomic<std::chrono::steady_clock::rep> last{0};
  std::atomic<bool> stopped{false};

  static void beat(const std::shared_ptr<State>& state) {
    state->timer.expires_after(std::chrono::seconds(1));
    state->timer.async_wait([state](const boost::system::error_code& error) {
      if (error || state->stopped) return;
      state->last.store(std::chrono::steady_clock::now().time_since_epoch().count());
      beat(state);
    });
  }
};

Heartbeat::Heartbeat(boost::asio::io_context& io) : state_(std::make_shared<State>(io)) {}

Heartbeat::~Heartbeat() {
  state_->stopped = true;
  boost::asio::post(state_->timer.get_executor(), [state = state_] { state->timer.cancel(); });
}

void Heartbeat::start() {
  state_->last.store(std::chrono::steady_clock::now().time_since_epoch().count());
  State::beat(state_);
}

std::optional<std::string> Heartbeat::check() const {
  const auto last = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(state_->last.load()));
  const auto age = std::chrono::steady_clock::now() - last;
  if (age < kLate) return std::nullopt;
  return "the I/O threads have not run a timer for " +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(age).count()) + " s";
}

}  // namespace steward::manager
