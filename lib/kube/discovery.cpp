#include "kube/discovery.hpp"

#include <set>

#include "kube/client.hpp"

namespace steward::kube {
namespace {

std::optional<rapidjson::Document> parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  return doc;
}

std::string member_string(const rapidjson::Value& value, const char* name) {
  auto it = value.FindMember(name);
  if (it == value.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

ApiError malformed(const std::string& path) {
  return ApiError::transport_failure("discovery: " + path + " is not a discovery document");
}

}  // namespace

Discovery::Discovery(Client& client, DiscoveryOptions options)
    : client_(client), options_(options), table_(std::make_shared<Table>()) {}

boost::asio::awaitable<std::optional<ApiError>> Discovery::read_group_version(
    const std::string& path, const std::string& group, const std::string& version, Table& table) {
  // Named, not a braced temporary: see Client::get on GCC 12 and coroutine arguments.
  HttpRequest get{.method = "GET", .target = path, .verb = "get"};
  Reply reply = co_await client_.request(std::move(get));
  if (!reply.ok()) co_return std::move(reply.error);
  auto doc = parse(reply.response.body);
  if (!doc || !doc->HasMember("resources") || !(*doc)["resources"].IsArray()) {
    co_return malformed(path);
  }
  // "widgets/status" entries, in any order relative to "widgets".
  std::set<std::string, std::less<>> with_status;
  for (const auto& entry : (*doc)["resources"].GetArray()) {
    if (!entry.IsObject()) continue;
    const std::string name = member_string(entry, "name");
    if (name.ends_with("/status")) with_status.insert(name.substr(0, name.size() - 7));
  }
  for (const auto& entry : (*doc)["resources"].GetArray()) {
    if (!entry.IsObject()) continue;
    ResourceType type;
    type.group = group;
    type.version = version;
    type.resource = member_string(entry, "name");
    type.kind = member_string(entry, "kind");
    // Subresources (deployments/scale, pods/status) are not kinds of their own.
    if (type.resource.empty() || type.kind.empty() || type.resource.find('/') != std::string::npos) {
      continue;
    }
    auto namespaced = entry.FindMember("namespaced");
    type.namespaced = namespaced != entry.MemberEnd() && namespaced->value.IsBool() &&
                      namespaced->value.GetBool();
    if (auto verbs = entry.FindMember("verbs");
        verbs != entry.MemberEnd() && verbs->value.IsArray()) {
      type.listable = false;
      for (const auto& verb : verbs->value.GetArray()) {
        if (verb.IsString() && std::string_view(verb.GetString(), verb.GetStringLength()) == "list") {
          type.listable = true;
        }
      }
    }
    type.status_subresource = with_status.contains(type.resource);
    table.emplace(std::pair{type.api_version(), type.kind}, std::move(type));
  }
  co_return std::nullopt;
}

boost::asio::awaitable<std::optional<ApiError>> Discovery::refresh() {
  auto table = std::make_shared<Table>();
  // The core group: /api lists its versions (only v1 in practice).
  HttpRequest get_core{.method = "GET", .target = "/api", .verb = "get"};
  Reply core = co_await client_.request(std::move(get_core));
  if (!core.ok()) co_return std::move(core.error);
  auto core_doc = parse(core.response.body);
  if (!core_doc || !core_doc->HasMember("versions")) co_return malformed("/api");
  for (const auto& version : (*core_doc)["versions"].GetArray()) {
    if (!version.IsString()) continue;
    const std::string v = version.GetString();
    if (auto error = co_await read_group_version("/api/" + v, "", v, *table)) co_return error;
  }
  // Named groups: every version of every group, so objects written for an older version resolve.
  HttpRequest get_groups{.method = "GET", .target = "/apis", .verb = "get"};
  Reply groups = co_await client_.request(std::move(get_groups));
  if (!groups.ok()) co_return std::move(groups.error);
  auto groups_doc = parse(groups.response.body);
  if (!groups_doc || !groups_doc->HasMember("groups")) co_return malformed("/apis");
  for (const auto& group : (*groups_doc)["groups"].GetArray()) {
    if (!group.IsObject() || !group.HasMember("versions")) continue;
    const std::string name = member_string(group, "name");
    for (const auto& version : group["versions"].GetArray()) {
      const std::string v = member_string(version, "version");
      if (v.empty()) continue;
      auto error = co_await read_group_version("/apis/" + name + "/" + v, name, v, *table);
      // A group version that vanished between the two reads (a CRD deleted meanwhile) is skipped.
      if (error && !error->is_not_found()) co_return error;
    }
  }
  std::lock_guard guard(mu_);
  table_ = std::move(table);
  // A table just read: a miss right after it has nothing new to find.
  refresh_mark_ = options_.clock->now();
  co_return std::nullopt;
}

boost::asio::awaitable<std::optional<ApiError>> Discovery::learn(std::string group,
                                                                 std::string version) {
  Table read;
  const std::string path = (group.empty() ? "/api/" : "/apis/" + group + "/") + version;
  if (auto error = co_await read_group_version(path, group, version, read)) {
    if (error->is_not_found()) co_return std::nullopt;
    co_return error;
  }
  std::lock_guard guard(mu_);
  auto table = std::make_shared<Table>(*table_);
  // The group version as the server has it now: kinds it no longer serves go.
  const std::string api_version = group.empty() ? version : group + "/" + version;
  std::erase_if(*table, [&](const auto& entry) { return entry.first.first == api_version; });
  table->merge(read);
  table_ = std::move(table);
  co_return std::nullopt;
}

std::optional<ResourceType> Discovery::find(std::string_view api_version,
                                            std::string_view kind) const {
  std::shared_ptr<const Table> table;
  {
    std::lock_guard guard(mu_);
    table = table_;
  }
  auto it = table->find(std::pair{std::string(api_version), std::string(kind)});
  if (it == table->end()) return std::nullopt;
  return it->second;
}

boost::asio::awaitable<ResolveResult> Discovery::resolve(std::string_view api_version,
                                                         std::string_view kind) {
  if (auto type = find(api_version, kind)) co_return ResolveResult{std::nullopt, std::move(type)};
  bool due;
  std::optional<base::Clock::time_point> previous_mark;
  base::Clock::time_point claimed{};
  {
    // Claimed before the refresh starts, not when it ends: a burst of lookups that all miss
    // while one refresh is on its way (an informer per unknown kind, say) must not start one
    // each.
    std::lock_guard guard(mu_);
    const auto now = options_.clock->now();
    due = !refresh_mark_ || now - *refresh_mark_ >= options_.min_refresh_interval;
    if (due) {
      previous_mark = refresh_mark_;
      refresh_mark_ = claimed = now;
    }
  }
  if (due) {
    if (auto error = co_await refresh()) {
      // A failed refresh found out nothing about the kind, so it gives its claim back: the next
      // miss asks again, paced by the caller's backoff and the client's retries and circuit
      // breaker, which exist for a failing server. Holding the claim made a miss in the next
      // 10 s answer "not served" without asking, though the server had not said so.
      std::lock_guard guard(mu_);
      if (refresh_mark_ == claimed) refresh_mark_ = previous_mark;  // unless a refresh since set it
      co_return ResolveResult{std::move(error), std::nullopt};
    }
  }
  co_return ResolveResult{std::nullopt, find(api_version, kind)};
}

std::size_t Discovery::resource_count() const {
  std::lock_guard guard(mu_);
  return table_->size();
}

std::vector<ResourceType> Discovery::resources() const {
  std::lock_guard guard(mu_);
  std::vector<ResourceType> out;
  out.reserve(table_->size());
  for (const auto& [key, type] : *table_) out.push_back(type);
  return out;
}

}  // namespace steward::kube
