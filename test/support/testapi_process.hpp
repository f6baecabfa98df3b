#pragma once
// TestApiServer: runs steward-testapi as a child process for integration tests, over real sockets.
//
// Starts `steward-testapi --listen 127.0.0.1:0 --kubeconfig-out DIR/kubeconfig [args]`, waits for its
// one `listening URL` line (with a generous deadline), and stops it with SIGTERM (then SIGKILL) when
// destroyed. Each instance has its own temporary folder, so tests can run in parallel.

#include <filesystem>
#include <string>
#include <vector>

namespace steward::test {

class TestApiServer {
 public:
  // `binary` defaults to the STEWARD_TESTAPI_BINARY compile definition.
  explicit TestApiServer(std::vector<std::string> extra_args = {}, std::string binary = {});
  ~TestApiServer();
  TestApiServer(const TestApiServer&) = delete;
  TestApiServer& operator=(const TestApiServer&) = delete;

  const std::string& url() const { return url_; }             // https://127.0.0.1:PORT
  const std::filesystem::path& kubeconfig() const { return kubeconfig_; }
  const std::filesystem::path& dir() const { return dir_; }

  // SIGTERM and wait; true if it exited with status 0.
  bool stop();

 private:
  std::filesystem::path dir_;
  std::filesystem::path kubeconfig_;
  std::string url_;
  int pid_ = -1;
};

}  // namespace steward::test
