// Kubeconfig parsing (kube/kubeconfig.hpp): one kubeconfig file's text → the RestConfig of its
// current context, with client-go's rules. The input is the text of the file.
//
// The file is read as if it were in a scratch folder holding `ca.crt`, `client.crt`, `client.key`
// and `token`, so relative file references in the corpus resolve and reading them is covered.
// Inputs naming /dev, /proc or /sys are skipped: a CA file of /dev/zero never ends, which is the
// machine's doing, not the parser's.
//
// Beyond "no crash, leak, UB or hang": every failure is a ConfigError (what the header promises and
// `steward check` prints); any other exception escapes and libFuzzer reports it. A config that
// loads has a server whose URL, written out, reads back the same.

#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "kube/kubeconfig.hpp"

namespace fs = std::filesystem;
using steward::fuzz::check;

namespace {

// Made once per process, removed at exit.
struct ScratchFolder {
  fs::path path;
  ScratchFolder() {
    std::string name = (fs::temp_directory_path() / "steward-kubeconfig-fuzz-XXXXXX").string();
    check(mkdtemp(name.data()) != nullptr, "mkdtemp");
    path = name;
    for (const char* file : {"ca.crt", "client.crt", "client.key", "token"})
      std::ofstream(path / file) << "-----BEGIN " << file << "-----\nAAAA\n-----END " << file
                                 << "-----\n";
  }
  ~ScratchFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

bool names_a_device(std::string_view text) {
  for (std::string_view folder : {"dev/", "proc/", "sys/"})
    if (text.find(folder) != text.npos) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ScratchFolder scratch;
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (names_a_device(text)) return 0;
  try {
    const auto config = steward::kube::load_kubeconfig_text(text, "kubeconfig", scratch.path);
    check(!config.server.host.empty(), "a loaded config has a server host");
    check(!config.describe().empty(), "describe()");
    // The transport and `steward check` show the URL as to_string(); it must mean the same server.
    const auto again = steward::kube::parse_server_url(config.server.to_string());
    check(again.to_string() == config.server.to_string(), "server URL round trip");
  } catch (const steward::kube::ConfigError& e) {
    check(*e.what() != '\0', "ConfigError without a message");
  }
  return 0;
}
