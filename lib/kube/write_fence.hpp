#pragma once
// WriteFence: whether this process may write to the cluster, as a fence rather than a flag read
// once. Leader election holds it: open while the Lease is held, closed the moment it is lost.
//
// A flag checked before a reconcile's first request is not enough: the client retries a write for
// up to a minute (429, 5xx, Retry-After), so a leader that lost its Lease could still land writes
// after a successor started. With a fence, the Client lets every attempt of a write, each retry
// included, through a Pass, which keeps the attempt registered while it is on the wire; close()
// cuts every registered attempt's connection (RequestCancel), so nothing more of it reaches the
// server.
//
// Thread-safe: open() and close() from the elector's strand, Passes from any request.

#include <cstddef>
#include <mutex>
#include <vector>

namespace steward::kube {

class RequestCancel;

class WriteFence {
 public:
  explicit WriteFence(bool open) : open_(open) {}
  WriteFence(const WriteFence&) = delete;
  WriteFence& operator=(const WriteFence&) = delete;

  // One write attempt let through, registered until destroyed; false when the fence was closed
  // (nothing registered: do not send).
  class Pass {
   public:
    Pass(WriteFence& fence, RequestCancel& cancel);
    ~Pass();
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;
    explicit operator bool() const { return admitted_; }

   private:
    WriteFence& fence_;
    RequestCancel& cancel_;
    bool admitted_;
  };

  void open();
  // Closes the fence and cancels every attempt in flight. Idempotent.
  void close();
  bool is_open() const;
  // Attempts registered now (tests).
  std::size_t in_flight() const;

 private:
  bool admit(RequestCancel& cancel);
  void leave(RequestCancel& cancel);

  mutable std::mutex mu_;
  bool open_;
  std::vector<RequestCancel*> in_flight_;
};

}  // namespace steward::kube
