#pragma once
// IoThreads: the daemon's io_context, the threads that run it, and the order in which they stop.
//
// Every API call, watch, timer and probe runs as a handler on this io_context. stop() ends the
// threads and then destroys every handler still pending: requests abandoned mid-flight and the
// coroutine frames suspended on them (an informer's list, a watch not yet answered). It must run
// while everything those handlers refer to (the API client, the informers, the metrics) still
// exists. Left to ~io_context, that destruction came after the client and the informers were
// gone, and handlers still running on the threads meanwhile touched them: steward logged
// `stopped` and then died with a segmentation fault (issue #15 in the project's tracker). After
// stop() nothing runs on the io_context again; objects bound to it may still be destroyed (Asio
// allows that between the shutdown and the destruction of its services, which the destructor
// does).

#include <memory>

namespace boost::asio {
class io_context;
}

namespace steward::manager {

class IoThreads {
 public:
  // Starts `threads` threads running io(); they keep running while there is nothing to do.
  explicit IoThreads(int threads);
  ~IoThreads();
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  boost::asio::io_context& io();
  // Stops and joins the threads, then destroys every pending handler. Idempotent; from any thread
  // but the I/O threads.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steward::manager
