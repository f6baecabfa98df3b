// Hostile manifests (test/desired/hostile_inputs.hpp): each is one error, at its place, quickly,
// and the source yields no object.

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <thread>

#include "desired/builtin_scopes.hpp"
#include "desired/hostile_inputs.hpp"
#include "desired/manifest_loader.hpp"
#include "kube/temp_dir.hpp"

using namespace steward::desired;
using steward::test::HostileInput;
using steward::test::TempDir;

namespace {

// Generous, so that only a hang fails: the slowest row (the merge-key bomb, a million values
// through yaml-cpp's maps) takes about 1.3 s here, and several times that under ASan.
constexpr auto kDeadline = std::chrono::seconds(30);

// Loads `file` on a thread of its own, so that a load that hangs fails the row instead of
// stalling the test: the thread is left behind (detached) and dies with the process.
std::optional<SourceLoad> load_within_deadline(const std::filesystem::path& file) {
  auto task = std::make_shared<std::packaged_task<SourceLoad()>>([file] {
    LoaderOptions options;
    options.is_namespaced = builtin_is_namespaced;
    return load_source({.name = "hostile", .path = file}, options);
  });
  std::future<SourceLoad> result = task->get_future();
  std::thread([task] { (*task)(); }).detach();
  if (result.wait_for(kDeadline) != std::future_status::ready) return std::nullopt;
  return result.get();
}

}  // namespace

TEST_CASE("every hostile manifest is one clear error at its place and takes seconds at most") {
  TempDir dir;
  for (const HostileInput& row : steward::test::hostile_inputs()) {
    INFO(row.name << " (" << row.file << ")");
    const auto file = dir.write(row.file, row.content);
    const auto started = std::chrono::steady_clock::now();
    const std::optional<SourceLoad> load = load_within_deadline(file);
    CHECK(load.has_value());  // else it hung
    if (!load) continue;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    INFO("took " << seconds << " s");
    CHECK(load->objects.empty());
    CHECK(load->errors.size() == 1);
    if (load->errors.empty()) continue;
    const Diagnostic& error = load->errors.front();
    INFO(error.to_string().substr(0, 300));
    // "path:line:column", or "path" for an error about the whole file.
    CHECK(error.where.to_string() == Location{file.string(), row.at}.to_string());
    CHECK_THAT(error.message, Catch::Contains(row.message));
  }
}
