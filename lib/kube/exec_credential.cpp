#include "kube/exec_credential.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

namespace steward::kube {
namespace {

using std::chrono::system_clock;

constexpr std::string_view kV1 = "client.authentication.k8s.io/v1";
constexpr std::string_view kV1beta1 = "client.authentication.k8s.io/v1beta1";
// A credential is a few KiB; more than this is a broken plugin, not a big certificate chain.
constexpr std::size_t kMaxStdout = 1 << 20;
// Only the first line of stderr is reported; keep a little more to find it.
constexpr std::size_t kMaxStderr = 4096;

ExecOutcome failure(std::string_view command, const std::string& what) {
  return ExecOutcome{nullptr, "exec plugin \"" + std::string(command) + "\": " + what};
}

}  // namespace

std::string stderr_summary(std::string_view text) {
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  const std::string_view line = text.substr(start, text.find_first_of("\r\n", start) - start);
  // Printable ASCII only: no terminal escapes or bytes that break a JSON log line's reader.
  std::string out;
  for (const char c : line) {
    if (out.size() == kMaxStderrSummary) {
      out += "...";
      break;
    }
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

namespace {

std::string describe_timeout(std::chrono::milliseconds timeout) {
  if (timeout.count() % 1000 == 0) return std::to_string(timeout.count() / 1000) + " s";
  return std::to_string(timeout.count()) + " ms";
}

int parse_digits(std::string_view text, std::size_t pos, std::size_t count, bool& ok) {
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) {
      ok = false;
      return 0;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// The pipes and process of one plugin run; closes what is still open and reaps the process on
// every path out, so an error return cannot leak a zombie or a descriptor.
class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    for (int fd : {out_, err_}) {
      if (fd >= 0) ::close(fd);
    }
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }

  int out_ = -1;
  int err_ = -1;
  pid_t pid_ = -1;
};

struct RunResult {
  std::string error;  // empty on success
  std::string out;
};

}  // namespace

std::vector<std::string> exec_plugin_environment(const ExecConfig& config,
                                                 const std::optional<std::string>& path,
                                                 const std::optional<std::string>& home) {
  // Later definitions override earlier ones, as Go's os/exec does with duplicate names.
  std::map<std::string, std::string> vars;
  std::vector<std::string> order;
  auto set = [&](const std::string& name, const std::string& value) {
    if (vars.emplace(name, value).second) {
      order.push_back(name);
    } else {
      vars[name] = value;
    }
  };
  if (path) set("PATH", *path);
  if (home) set("HOME", *home);
  for (const auto& [name, value] : config.env) set(name, value);
  set("KUBERNETES_EXEC_INFO", "{\"kind\":\"ExecCredential\",\"apiVersion\":\"" +
                                  config.api_version + "\",\"spec\":{\"interactive\":false}}");
  std::vector<std::string> out;
  out.reserve(order.size());
  for (const auto& name : order) out.push_back(name + "=" + vars[name]);
  return out;
}

namespace {

std::optional<std::string> getenv_string(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

RunResult run(const ExecConfig& config, std::chrono::milliseconds timeout) {
  const std::string& command = config.command;
  Child child;
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return {std::string("pipe: ") + std::strerror(errno), {}};
  child.out_ = out_pipe[0];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[1]);
    return {std::string("pipe: ") + std::strerror(errno), {}};
  }
  child.err_ = err_pipe[0];

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);

  // Its own process group, so a timeout kills the plugin's children too; default signal handling,
  // since a daemon's ignored SIGPIPE would otherwise be inherited.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> args{command};
  args.insert(args.end(), config.args.begin(), config.args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env =
      exec_plugin_environment(config, getenv_string("PATH"), getenv_string("HOME"));
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int spawn_error =
      ::posix_spawnp(&pid, command.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawn_error == ENOENT) {
    std::string message = "not found";
    if (!config.install_hint.empty()) message += "; " + config.install_hint;
    return {message, {}};
  }
  if (spawn_error != 0) return {std::string("cannot start: ") + std::strerror(spawn_error), {}};
  child.pid_ = pid;

  // Timed with the real clock: the plugin is a real process, whatever clock the cache uses.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining_ms = [&] {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<std::int64_t>(0, left.count()));
  };
  const std::string timed_out = "did not finish within " + describe_timeout(timeout) + "; killed";

  std::string out;
  std::string err;
  char buffer[8192];
  while (child.out_ >= 0 || child.err_ >= 0) {
    pollfd fds[2] = {{child.out_, POLLIN, 0}, {child.err_, POLLIN, 0}};
    const int ready = ::poll(fds, 2, remaining_ms());
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return {std::string("poll: ") + std::strerror(errno), {}};
    if (ready == 0) return {timed_out, {}};
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      int& fd = i == 0 ? child.out_ : child.err_;
      if (n <= 0) {
        ::close(fd);
        fd = -1;
        continue;
      }
      std::string& sink = i == 0 ? out : err;
      if (i == 1 && sink.size() >= kMaxStderr) continue;
      sink.append(buffer, static_cast<std::size_t>(n));
      if (i == 0 && out.size() > kMaxStdout) return {"printed more than 1 MiB; killed", {}};
    }
  }

  // Both pipes are closed; the process should be exiting. Bounded too: it may have detached.
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return {std::string("waitpid: ") + std::strerror(errno), {}};
    if (remaining_ms() == 0) return {timed_out, {}};
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  child.pid_ = -1;

  std::string problem;
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    problem = "exited with status " + std::to_string(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    problem = "killed by signal " + std::to_string(WTERMSIG(status));
  }
  if (!problem.empty()) {
    if (const auto line = stderr_summary(err); !line.empty()) problem += ": " + line;
    return {problem, {}};
  }
  return {"", std::move(out)};
}

std::string json_string(const rapidjson::Value& object, const char* key, bool& wrong_type) {
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return "";
  if (!it->value.IsString()) {
    wrong_type = true;
    return "";
  }
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace

std::optional<system_clock::time_point> parse_rfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  bool ok = text.size() >= 20;
  const int year = parse_digits(text, 0, 4, ok);
  const int month = parse_digits(text, 5, 2, ok);
  const int day = parse_digits(text, 8, 2, ok);
  const int hour = parse_digits(text, 11, 2, ok);
  const int minute = parse_digits(text, 14, 2, ok);
  const int second = parse_digits(text, 17, 2, ok);
  if (!ok || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
      text[13] != ':' || text[16] != ':' || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::chrono::nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    std::int64_t nanos = 0;
    int digits = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (digits < 9) {
        nanos = nanos * 10 + (text[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (; digits < 9; ++digits) nanos *= 10;
    fraction = std::chrono::nanoseconds(nanos);
  }
  std::chrono::minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    const int oh = parse_digits(text, pos + 1, 2, ok);
    const int om = parse_digits(text, pos + 4, 2, ok);
    if (!ok || pos + 3 >= text.size() || text[pos + 3] != ':' || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = std::chrono::minutes(sign * (oh * 60 + om));
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  const auto local = std::chrono::sys_days(date) + std::chrono::hours(hour) +
                     std::chrono::minutes(minute) + std::chrono::seconds(second) + fraction;
  return std::chrono::time_point_cast<system_clock::duration>(local - offset);
}

ExecOutcome parse_exec_credential(std::string_view command, std::string_view expected_api_version,
                                  std::string_view output) {
  rapidjson::Document doc;
  doc.Parse(output.data(), output.size());
  // Never quote the output in errors: it may hold a token.
  if (doc.HasParseError()) {
    return failure(command, std::string("printed something that is not JSON (") +
                                rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                                std::to_string(doc.GetErrorOffset()) + ")");
  }
  if (!doc.IsObject()) return failure(command, "printed JSON that is not an object");
  bool wrong_type = false;
  const std::string kind = json_string(doc, "kind", wrong_type);
  const std::string api_version = json_string(doc, "apiVersion", wrong_type);
  if (kind != "ExecCredential") {
    return failure(command, "printed kind \"" + kind + "\", not an ExecCredential");
  }
  if (api_version != expected_api_version) {
    return failure(command, "is configured for " + std::string(expected_api_version) +
                                " but printed apiVersion \"" + api_version + "\"");
  }
  const auto status = doc.FindMember("status");
  if (status == doc.MemberEnd() || !status->value.IsObject()) {
    return failure(command, "printed an ExecCredential without status");
  }
  auto credential = std::make_shared<ExecCredential>();
  credential->token = json_string(status->value, "token", wrong_type);
  credential->client_certificate_pem =
      json_string(status->value, "clientCertificateData", wrong_type);
  credential->client_key_pem = json_string(status->value, "clientKeyData", wrong_type);
  const std::string expiry = json_string(status->value, "expirationTimestamp", wrong_type);
  if (wrong_type) return failure(command, "printed a status field that is not a string");
  if (credential->token.empty() && credential->client_certificate_pem.empty() &&
      credential->client_key_pem.empty()) {
    return failure(command, "printed neither a token nor a client certificate and key");
  }
  if (credential->client_certificate_pem.empty() != credential->client_key_pem.empty()) {
    return failure(command, "printed only one of clientCertificateData and clientKeyData");
  }
  if (!expiry.empty()) {
    credential->expiration = parse_rfc3339(expiry);
    if (!credential->expiration) {
      return failure(command, "printed expirationTimestamp \"" + expiry +
                                  "\", which is not an RFC 3339 time");
    }
  }
  return ExecOutcome{std::move(credential), ""};
}

ExecCredentialProvider::ExecCredentialProvider(ExecConfig config, const base::Clock& clock,
                                               WallClock wall_clock, Options options)
    : config_(std::move(config)),
      clock_(clock),
      wall_clock_(std::move(wall_clock)),
      options_(options) {
  if (config_.command.empty()) throw std::invalid_argument("exec plugin: no command");
  if (config_.api_version != kV1 && config_.api_version != kV1beta1) {
    throw std::invalid_argument("exec plugin \"" + config_.command + "\": apiVersion \"" +
                                config_.api_version + "\" is not supported");
  }
}

ExecCredentialProvider::ExecCredentialProvider(ExecConfig config, const base::Clock& clock,
                                               WallClock wall_clock)
    : ExecCredentialProvider(std::move(config), clock, std::move(wall_clock), Options{}) {}

ExecOutcome ExecCredentialProvider::get() {
  std::lock_guard guard(mu_);
  if (cached_ && (!cached_until_ || clock_.now() < *cached_until_)) return {cached_, ""};

  ++runs_;
  ExecOutcome outcome = run_plugin();
  if (!outcome.ok()) return outcome;
  cached_ = outcome.credential;
  cached_until_.reset();
  if (cached_->expiration) {
    // Converted once, so a wall-clock jump later does not change when the credential expires.
    const auto left = *cached_->expiration - wall_clock_();
    cached_until_ = clock_.now() + std::chrono::duration_cast<base::Clock::duration>(left);
  }
  return outcome;
}

void ExecCredentialProvider::invalidate(const std::shared_ptr<const ExecCredential>& used) {
  std::lock_guard guard(mu_);
  if (used && used == cached_) cached_.reset();
}

int ExecCredentialProvider::runs() const {
  std::lock_guard guard(mu_);
  return runs_;
}

ExecOutcome ExecCredentialProvider::run_plugin() const {
  RunResult result = run(config_, options_.timeout);
  if (!result.error.empty()) return failure(config_.command, result.error);
  return parse_exec_credential(config_.command, config_.api_version, result.out);
}

}  // namespace steward::kube
