// steward-testapi: an in-memory imitation of kube-apiserver 1.20 for steward's tests.
//   steward-testapi --listen 127.0.0.1:0 --kubeconfig-out FILE [--token T] [--user T,NAME,UID[,G...]]
//                   [--plain]
// When ready it prints one line, "listening https://127.0.0.1:PORT", and serves until SIGTERM/SIGINT.
#include "kubeconfig.hpp"
#include "server.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  using steward::testapi::Server;
  using steward::testapi::ServerOptions;

  CLI::App app{"steward-testapi: an in-memory kube-apiserver imitation for tests"};
  std::string listen = "127.0.0.1:0";
  std::string kubeconfig_out;
  ServerOptions options;
  bool plain = false;
  double bookmark_seconds = 60;
  long compaction_seconds = 300;
  app.add_option("--listen", listen, "host:port to listen on (port 0 picks a free one)");
  app.add_option("--kubeconfig-out", kubeconfig_out, "write a kubeconfig for this server here")->required();
  app.add_option("--token", options.token, "bearer token clients must send");
  std::vector<std::string> users;
  app.add_option("--user", users,
                 "TOKEN,NAME,UID[,GROUP...]: a static user besides the admin, for TokenReview and "
                 "SubjectAccessReview (as a line of kube-apiserver's --token-auth-file); repeatable");
  app.add_flag("--plain", plain, "serve plain HTTP instead of TLS");
  app.add_option("--bookmark-interval", bookmark_seconds, "seconds between watch bookmarks (default 60, as the real server)");
  app.add_option("--watch-history", options.watch_history, "events kept per resource for watch resumption");
  app.add_option("--compaction-interval", compaction_seconds,
                 "seconds between etcd compactions, each at the previous one's revision (default 300, as "
                 "kube-apiserver's --etcd-compaction-interval; 0: never)");
  app.add_option("--watch-timeout", options.default_watch_timeout_seconds, "seconds a watch without timeoutSeconds lasts");
  app.add_option("--seed", options.seed, "seed for uids, generated names and fault draws");
  bool no_apf = false;
  app.add_flag("--no-priority-and-fairness", no_apf,
               "answer without the API Priority and Fairness headers (as --enable-priority-and-fairness=false)");
  app.add_option("--seed-configmaps", options.seed_configmaps, "create N ConfigMaps in namespace bench at start");
  app.add_option("--seed-bytes", options.seed_bytes, "bytes of data in each seeded ConfigMap");
  app.add_option("--openapi-v2", options.openapi_v2_file,
                 "the built-in definitions of /openapi/v2 (default: openapi/builtin-v2.json in the source tree)");
  app.add_flag("--log-writes", options.log_writes, "print \"write METHOD STATUS TARGET USER-AGENT\" for each write request");
  CLI11_PARSE(app, argc, argv);
  options.priority_and_fairness = !no_apf;

  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "steward-testapi: --listen wants host:port, got " << listen << "\n";
    return 2;
  }
  options.host = listen.substr(0, colon);
  try {
    options.port = static_cast<unsigned short>(std::stoul(listen.substr(colon + 1)));
  } catch (const std::exception&) {
    std::cerr << "steward-testapi: bad port in --listen " << listen << "\n";
    return 2;
  }
  for (const auto& line : users) {
    auto user = steward::testapi::parse_static_user(line);
    if (!user) {
      std::cerr << "steward-testapi: --user wants TOKEN,NAME,UID[,GROUP...], got " << line << "\n";
      return 2;
    }
    options.users.push_back(*user);
  }
  options.tls = !plain;
  options.bookmark_interval = std::chrono::milliseconds(static_cast<long>(bookmark_seconds * 1000));
  options.compaction_interval = std::chrono::seconds(compaction_seconds);
  options.handle_signals = true;

  try {
    Server server(options);
    server.start();
    steward::testapi::write_kubeconfig(kubeconfig_out, server.url(), server.ca_pem(), server.token());
    // The one line a parent process waits for; everything is ready when it appears.
    std::cout << "listening " << server.url() << std::endl;
    server.run();
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
