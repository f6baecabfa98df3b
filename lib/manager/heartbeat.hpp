#pragma once
// Heartbeat: a timer on the io_context that beats every second, for /healthz. If the I/O threads
// are all blocked (a handler that never returns, a deadlock), the beats stop and check() says so.
// The probe server answers from the same threads, so with every thread stuck the probe simply
// times out, which the kubelet treats as a failure too; with one thread stuck the other answers
// 503 from here.

#include <memory>
#include <optional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace steward::manager {

class Heartbeat {
 public:
  explicit Heartbeat(boost::asio::io_context& io);
  // The timer's handler keeps what it needs, so it may run after this object is gone.
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  void start();
  // nullopt while the beats come; else how long since the last one (late after 30 s).
  std::optional<std::string> check() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace steward::manager
