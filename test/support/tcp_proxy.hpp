#pragma once
// TcpProxy: a loopback TCP proxy that can make every open connection go silent without closing it,
// as a load balancer or NAT that dropped its state does. For tests of dead-connection detection.
//
// Listens on 127.0.0.1 at a port the kernel picks and forwards each connection to the target, byte
// for byte both ways (TLS passes through untouched; the client still verifies the target's
// certificate). freeze() stops forwarding on every connection open at that moment, in both
// directions, and closes neither side: each end's kernel holds its connection open and nothing
// arrives. Connections accepted afterwards forward as usual. Until frozen, a side that closes is
// passed on (the other side's sending half is shut down).
//
// Runs on an io_context and a thread of its own, so a test's own loop may stop or block freely.
// Thread-safe.

#include <memory>
#include <string>

namespace steward::test {

class TcpProxy {
 public:
  // `target_host`: an IP address. Throws when the listener cannot be opened.
  TcpProxy(const std::string& target_host, unsigned short target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  unsigned short port() const;
  // After it returns, no byte read on a connection accepted before is forwarded.
  void freeze();
  // Connections accepted so far.
  std::size_t accepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steward::test
