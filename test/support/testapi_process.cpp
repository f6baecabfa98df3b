#include "support/testapi_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace steward::test {
namespace {

std::filesystem::path make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "steward-testapi-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

// Reads one line from `fd` within `deadline`; empty on timeout or EOF.
std::string read_line(int fd, std::chrono::seconds deadline) {
  std::string line;
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char c;
    const ssize_t n = ::read(fd, &c, 1);
    if (n <= 0) return {};
    if (c == '\n') return line;
    line += c;
  }
  return {};
}

}  // namespace

TestApiServer::TestApiServer(std::vector<std::string> extra_args, std::string binary) {
  dir_ = make_temp_dir();
  if (const char* real = std::getenv("STEWARD_REAL_APISERVER_KUBECONFIG"); real && *real) {
    kubeconfig_ = real;
    std::ifstream in(kubeconfig_);
    std::string line;
    while (std::getline(in, line)) {
      const auto at = line.find("server: ");
      if (at != std::string::npos) url_ = line.substr(at + 8);
    }
    if (url_.empty()) throw std::runtime_error("no server in " + kubeconfig_.string());
    return;
  }
#ifdef STEWARD_TESTAPI_BINARY
  if (binary.empty()) binary = STEWARD_TESTAPI_BINARY;
#endif
  if (binary.empty()) throw std::runtime_error("no steward-testapi binary configured");
  kubeconfig_ = dir_ / "kubeconfig";

  std::vector<std::string> args{binary, "--listen", "127.0.0.1:0", "--kubeconfig-out",
                                kubeconfig_.string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  const std::string log = (dir_ / "testapi.log").string();
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  const int rc = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    throw std::runtime_error("cannot start " + binary);
  }
  // Generous: a sanitizer build on a loaded 2-core machine starts slowly.
  const std::string line = read_line(out[0], std::chrono::seconds(60));
  ::close(out[0]);
  const std::string prefix = "listening ";
  if (line.rfind(prefix, 0) != 0) {
    stop();
    throw std::runtime_error("steward-testapi did not report listening (got \"" + line +
                             "\"); see " + log);
  }
  url_ = line.substr(prefix.size());
}

bool TestApiServer::stop() {
  if (pid_ <= 0) return true;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 300; ++i) {  // up to 30 s
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return false;
}

TestApiServer::~TestApiServer() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace steward::test
