#pragma once
// TestApiServer: the API server an integration test talks to, over real sockets.
//
// Normally it runs steward-testapi as a child process: `steward-testapi --listen 127.0.0.1:0
// --kubeconfig-out DIR/kubeconfig [args]`, waits for its one `listening URL` line (generous
// deadline), and stops it with SIGTERM (then SIGKILL) when destroyed. Each instance has its own
// temporary folder, so tests can run in parallel.
//
// When STEWARD_REAL_APISERVER_KUBECONFIG names a kubeconfig (scripts/kube-apiserver run sets it),
// it uses that real kube-apiserver instead and starts nothing: the same scenarios then run against
// the real server. Scenarios that need the test server's faults are tagged [testapi] and excluded
// from those runs.

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
  // True when this is a real kube-apiserver, not steward-testapi.
  bool real() const { return pid_ < 0 && !url_.empty(); }

  // SIGTERM and wait; true if it exited with status 0.
  bool stop();

 private:
  std::filesystem::path dir_;
  std::filesystem::path kubeconfig_;
  std::string url_;
  int pid_ = -1;
};

}  // namespace steward::test
