#include "manager/runnable.hpp"

namespace steward::manager {
namespace {

class FunctionRunnable final : public Runnable {
 public:
  FunctionRunnable(std::function<void()> start, std::function<void()> stop)
      : start_(std::move(start)), stop_(std::move(stop)) {}
  void start() override {
    if (start_) start_();
  }
  void stop() override {
    if (stop_) stop_();
  }

 private:
  std::function<void()> start_;
  std::function<void()> stop_;
};

}  // namespace

std::unique_ptr<Runnable> make_runnable(std::function<void()> start, std::function<void()> stop) {
  return std::make_unique<FunctionRunnable>(std::move(start), std::move(stop));
}

}  // namespace steward::manager
