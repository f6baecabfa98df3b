#include "support/testapi_admin.hpp"

#include <rapidjson/document.h>

#include <stdexcept>

namespace steward::test {

boost::asio::awaitable<kube::Reply> post_faults(kube::Client& client, std::string body) {
  kube::HttpRequest request{.method = "POST",
                            .target = "/_testapi/faults",
                            .content_type = "application/json",
                            .body = std::move(body),
                            .verb = "create",
                            // The test server's own settings, not the cluster's: never fenced.
                            .passes_fence = true};
  co_return co_await client.request(std::move(request));
}

boost::asio::awaitable<std::vector<TestApiWrite>> testapi_writes(kube::Client& client) {
  kube::HttpRequest request{.method = "GET", .target = "/_testapi/writes", .verb = "get"};
  const kube::Reply reply = co_await client.request(std::move(request));
  if (!reply.ok()) throw std::runtime_error("cannot read the write log: " + reply.error->to_string());
  rapidjson::Document doc;
  doc.Parse(reply.response.body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("writes") || !doc["writes"].IsArray())
    throw std::runtime_error("the write log is not {\"writes\":[...]}: " + reply.response.body);
  std::vector<TestApiWrite> writes;
  for (const auto& w : doc["writes"].GetArray()) {
    writes.push_back({w["method"].GetString(), w["path"].GetString(), w["dryRun"].GetBool(),
                      w["code"].GetInt(), w["atMs"].GetInt64()});
  }
  co_return writes;
}

}  // namespace steward::test
