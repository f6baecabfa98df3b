#include "api.hpp"

#include "api_error.hpp"
#include "managed_fields.hpp"
#include "object_format.hpp"
#include "scale.hpp"
#include "validation.hpp"

#include <charconv>
#include <chrono>
#include <ctime>

namespace steward::testapi {

Response json_response(int status, const json::Value& body) {
  Response r;
  r.status = status;
  r.body = json::write(body);
  return r;
}

Response error_response(const ApiError& e) {
  Response r = json_response(e.code, e.to_status());
  if (e.retry_after_seconds > 0) r.headers.emplace_back("Retry-After", std::to_string(e.retry_after_seconds));
  return r;
}

Api::Api(Store& store, Registry& registry, std::uint64_t seed, Defer defer)
    : store_(store), registry_(registry), rng_(seed), defer_(std::move(defer)) {}

std::string Api::now() const {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Api::new_uid() {
  // Random (version 4) UUIDs from the seeded generator: reproducible runs give the same uids.
  std::uint64_t a = rng_(), b = rng_();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(a >> 32),
                static_cast<unsigned long long>((a >> 16) & 0xffff), static_cast<unsigned long long>(a & 0xffff),
                static_cast<unsigned long long>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::optional<Api::Target> Api::resolve(const std::string& path, bool& not_found) const {
  not_found = false;
  std::vector<std::string> segs;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    std::string seg = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!seg.empty()) segs.push_back(seg);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::string group, version;
  std::size_t i;
  if (segs.size() >= 2 && segs[0] == "api") {
    version = segs[1];
    i = 2;
  } else if (segs.size() >= 3 && segs[0] == "apis") {
    group = segs[1];
    version = segs[2];
    i = 3;
  } else {
    return std::nullopt;
  }
  not_found = true;
  std::vector<std::string> rest(segs.begin() + static_cast<long>(i), segs.end());
  if (rest.empty()) return std::nullopt;
  Target t;
  if (rest.size() >= 3 && rest[0] == "namespaces" && !(rest.size() == 3 && (rest[2] == "status" || rest[2] == "finalize"))) {
    t.ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.empty() || rest.size() > 3) return std::nullopt;
  const ResourceType* type = registry_.find(group, version, rest[0]);
  if (!type) return std::nullopt;
  if (!t.ns.empty() && !type->namespaced) return std::nullopt;
  t.type = *type;
  if (rest.size() >= 2) t.name = rest[1];
  if (rest.size() == 3) {
    t.subresource = rest[2];
    bool known = (t.subresource == "status" && type->status_subresource) ||
                 (t.subresource == "scale" && type->scale_subresource);
    if (!known) return std::nullopt;
  }
  not_found = false;
  return t;
}

std::optional<ApiReply> Api::handle(const Request& req) {
  bool not_found = false;
  auto target = resolve(req.path, not_found);
  if (!target) {
    if (not_found) return ApiReply(page_not_found());
    return std::nullopt;
  }
  const Target& t = *target;
  try {
    dry_run_ = false;
    if (req.has_param("dryRun") && req.method != "GET") {
      if (req.param("dryRun") != "All") {
        ApiError e;
        e.code = 400;
        e.reason = "BadRequest";
        e.message = "dryRun: Unsupported value: \"" + req.param("dryRun") + "\": supported values: \"All\"";
        throw e;
      }
      dry_run_ = true;
    }
    const std::string& m = req.method;
    // The all-namespaces path of a namespaced resource only lists and watches.
    if (t.type.namespaced && t.ns.empty() && (m != "GET" || !t.name.empty())) {
      ApiError e;
      e.code = 405;
      e.reason = "MethodNotAllowed";
      e.message = "the server does not allow this method on the requested resource";
      e.has_details = true;
      throw e;
    }
    if (m == "GET") {
      if (t.name.empty()) return list_or_watch(t, req);
      return ApiReply(get(t));
    }
    if (m == "POST" && t.name.empty()) return ApiReply(create(t, req));
    if (m == "PUT" && !t.name.empty()) return ApiReply(update(t, req));
    if (m == "PATCH" && !t.name.empty()) return ApiReply(patch(t, req));
    if (m == "DELETE" && !t.name.empty()) return ApiReply(remove(t, req));
    if (m == "DELETE" && t.name.empty() && t.type.has_verb("deletecollection")) return ApiReply(remove_collection(t, req));
    std::string verb = m == "POST" ? "create" : m == "PUT" ? "update" : m == "PATCH" ? "patch" : m == "DELETE" ? "deletecollection" : m;
    return ApiReply(error_response(method_not_supported(t.type.group, t.type.resource, verb)));
  } catch (const ApiError& e) {
    return ApiReply(error_response(e));
  } catch (const std::exception& e) {
    // A malformed input this imitation did not anticipate must not take the server down.
    return ApiReply(error_response(internal_error(e.what())));
  }
}

Response Api::get(const Target& t) {
  ObjectPtr obj = store_.get(t.type.storage_key(), t.ns, t.name);
  if (!obj) throw not_found(t.type.group, t.type.resource, t.name);
  if (t.subresource == "scale") return json_response(200, scale_of(*obj));
  return json_response(200, format_object(t.type, *obj, Framing::WithKind));
}

namespace {

std::string base64url(const std::string& in) {
  static const char* chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += chars[(v >> 18) & 63];
    out += chars[(v >> 12) & 63];
    if (i + 1 < in.size()) out += chars[(v >> 6) & 63];
    if (i + 2 < in.size()) out += chars[v & 63];
  }
  return out;
}

std::optional<std::string> unbase64url(const std::string& in) {
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    else if (c >= '0' && c <= '9') d = c - '0' + 52;
    else if (c == '-' || c == '+') d = 62;
    else if (c == '_' || c == '/') d = 63;
    else if (c == '=') break;
    else return std::nullopt;
    v = (v << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  return out;
}

std::string continue_token(std::int64_t rv, const std::string& start) {
  json::Value t = json::Value::object();
  t["v"] = "meta.k8s.io/v1";
  t["rv"] = rv;
  t["start"] = start;
  return base64url(json::write(t));
}

struct ContinueToken {
  std::int64_t rv;  // > 0: read at this revision; -1: read the current state
  std::string start;
};

// etcd3/store.go decodeContinue: malformed tokens are 400s.
ContinueToken decode_continue(const std::string& text) {
  auto decoded = unbase64url(text);
  json::Value token;
  try {
    if (!decoded) throw json::ParseError("not base64");
    token = json::parse(*decoded);
  } catch (const json::ParseError&) {
    throw bad_request("continue key is not valid: illegal base64 data at input byte 0");
  }
  const json::Value* rv = token.find("rv");
  if (token.str("v") != "meta.k8s.io/v1" || !rv || !rv->is_int() || rv->as_int() == 0)
    throw bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  return {rv->as_int(), token.str("start")};
}

// A resourceVersion as the versioner parses it ("" and "0" are 0). The etcd path reports a bad one
// as a 400 (etcd3/store.go List); the watch cache's parse error is no Status, so a 500 carries it.
std::uint64_t parse_resource_version(const std::string& text, bool etcd) {
  if (text.empty()) return 0;
  std::uint64_t rv = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), rv);
  if (ec == std::errc{} && ptr == text.data() + text.size()) return rv;
  std::string what = "resourceVersion: Invalid value: " + json::write(json::Value(text)) + ": strconv.ParseUint: parsing " +
                     json::write(json::Value(text)) + (ec == std::errc::result_out_of_range ? ": value out of range" : ": invalid syntax");
  if (etcd) throw bad_request("invalid resource version: " + what);
  ApiError e;
  e.code = 500;
  e.message = what;
  throw e;
}

// etcd3/errors.go handleCompactedErrorForPaging: the token's revision was compacted; a "-1" token
// in the Status lets the client read the rest from the current state.
ApiError continue_expired(const std::string& start) {
  ApiError e = expired(
      "The provided continue parameter is too old to display a consistent list result. You can start a new "
      "list without the continue parameter, or use the continue token in this response to retrieve the "
      "remainder of the results. Continuing with the provided token results in an inconsistent list - objects "
      "that were created, modified, or deleted between the time the first chunk was returned and now may show "
      "up in the list.");
  e.list_metadata["continue"] = continue_token(-1, start);
  return e;
}

// etcd3/errors.go interpretListError: a list at a compacted revision, without a continue token.
ApiError list_expired() { return expired("The resourceVersion for the provided list is too old."); }

// etcd's ErrFutureRev, which interpretListError passes on as it is: no Status of its own, so the
// handler makes it a 500 without a reason (responsewriters.ErrorToAPIStatus).
ApiError future_revision() {
  ApiError e;
  e.code = 500;
  e.message = "etcdserver: mvcc: required revision is a future revision";
  return e;
}

// storage/errors.go NewTooLargeResourceVersionError, as the watch cache gives it up after waiting
// (watch_cache.go waitUntilFreshAndBlock, retry after 1 s).
ApiError too_large_resource_version(std::uint64_t wanted, std::uint64_t current) {
  ApiError e;
  e.code = 504;
  e.reason = "Timeout";
  e.message = "Timeout: Too large resource version: " + std::to_string(wanted) + ", current: " + std::to_string(current);
  e.has_details = true;
  e.causes.push_back({"ResourceVersionTooLarge", "Too large resource version", ""});
  e.retry_after_seconds = 1;
  return e;
}

}  // namespace

ApiReply Api::list_or_watch(const Target& t, const Request& req) {
  std::string error;
  auto labels = LabelSelector::parse(req.param("labelSelector"), error);
  if (!labels) throw bad_request(error);
  auto fields = FieldSelector::parse(req.param("fieldSelector"), error);
  if (!fields) throw bad_request(error);

  if (req.flag("watch")) {
    WatchSpec w{t.type, t.ns, *labels, *fields, req.param("resourceVersion"),
                req.flag("allowWatchBookmarks"), 0};
    if (req.has_param("timeoutSeconds")) {
      try {
        w.timeout_seconds = std::stoi(req.param("timeoutSeconds"));
      } catch (const std::exception&) {
        throw bad_request("invalid timeoutSeconds: " + req.param("timeoutSeconds"));
      }
    }
    return w;
  }

  std::size_t limit = 0;
  if (req.has_param("limit")) {
    try {
      long long l = std::stoll(req.param("limit"));
      limit = l > 0 ? static_cast<std::size_t>(l) : 0;
    } catch (const std::exception&) {
      throw bad_request("invalid limit: " + req.param("limit"));
    }
  }
  const std::string key = t.type.storage_key();
  const std::string rv_text = req.param("resourceVersion");
  const std::string cont = req.param("continue");
  std::string start;
  // Where the answer comes from (cacher.go List): etcd at revision `at`, or the watch cache (at 0).
  std::uint64_t at = 0;
  if (!cont.empty()) {
    // etcd3/store.go List: a continue token reads its own revision (an MVCC snapshot); "-1" (from a
    // 410) the current state.
    ContinueToken token = decode_continue(cont);
    if (!rv_text.empty() && rv_text != "0") throw bad_request("specifying resource version is not allowed when using continue");
    start = token.start;
    at = token.rv > 0 ? static_cast<std::uint64_t>(token.rv) : store_.current_rv();
    if (at < store_.compacted_rv()) throw continue_expired(start);
  } else if (rv_text.empty() || (limit > 0 && rv_text != "0")) {
    // No version: a quorum read of the current state. A version with a limit (and no
    // resourceVersionMatch): the cacher cannot page, so etcd reads exactly at that revision.
    std::uint64_t wanted = parse_resource_version(rv_text, true);
    at = wanted > 0 ? wanted : store_.current_rv();
    if (at < store_.compacted_rv()) throw list_expired();
  } else {
    // The watch cache: its current state, "not older than" the version asked for, limit ignored
    // (it cannot page). The real one waits up to 3 s for a newer version before the 504; here
    // nothing else can write while this request runs, so it answers at once.
    limit = 0;
    std::uint64_t wanted = parse_resource_version(rv_text, false);
    if (wanted > store_.cache_rv(key)) throw too_large_resource_version(wanted, store_.cache_rv(key));
  }
  if (at > store_.current_rv()) throw future_revision();
  const std::uint64_t list_rv = at > 0 ? at : store_.cache_rv(key);

  const LabelSelector& ls = *labels;
  const FieldSelector& fs = *fields;
  auto page = store_.list(key, t.ns, start, limit, [&](const json::Value& o) { return ls.matches(o) && fs.matches(o); }, at);
  json::Value out = json::Value::object();
  out["kind"] = t.type.list_kind;
  out["apiVersion"] = t.type.api_version();
  json::Value meta = json::Value::object();
  meta["resourceVersion"] = std::to_string(list_rv);
  if (!page.next_key.empty()) {
    meta["continue"] = continue_token(static_cast<std::int64_t>(list_rv), page.next_key);
    if (ls.empty() && fs.empty()) meta["remainingItemCount"] = static_cast<std::int64_t>(page.remaining);
  }
  out["metadata"] = std::move(meta);
  json::Value items = json::Value::array();
  items.as_array().reserve(page.items.size());
  for (const auto& o : page.items) items.as_array().push_back(format_object(t.type, *o, Framing::ListItem));
  out["items"] = std::move(items);
  return json_response(200, out);
}

void Api::require_namespace(const Target& t) const {
  if (t.type.namespaced && !store_.get("/namespaces", "", t.ns)) throw not_found("", "namespaces", t.ns);
}

namespace {
// 422 Invalid for one field of a built-in or custom object (apimachinery's errors.NewInvalid).
ApiError invalid_field(const ResourceType& type, const std::string& name, const std::string& field,
                       const std::string& value, const std::string& problem) {
  ApiError e;
  e.code = 422;
  e.reason = "Invalid";
  std::string detail = "Invalid value: " + json::write(json::Value(value)) + ": " + problem;
  std::string kind = type.group.empty() || !type.builtin ? type.kind : type.kind + "." + type.group;
  e.message = kind + " " + json::write(json::Value(name)) + " is invalid: " + field + ": " + detail;
  e.has_details = true;
  e.name = name;
  e.group = type.group;
  e.kind = type.kind;
  e.causes.push_back({"FieldValueInvalid", detail, field});
  return e;
}
}  // namespace

void Api::validate_name(const Target& t, const std::string& name) const {
  auto problem = t.type.kind == "Namespace" ? validate_dns1123_label(name) : validate_dns1123_subdomain(name);
  if (problem) throw invalid_field(t.type, name, "metadata.name", name, *problem);
}

void Api::validate_event(const Target& t, const json::Value& obj) const {
  if (!t.type.builtin || t.type.kind != "Event" || (!t.type.group.empty() && t.type.group != "events.k8s.io")) return;
  const json::Value* involved = obj.find(t.type.group.empty() ? "involvedObject" : "regarding");
  std::string involved_ns = involved && involved->is_object() ? involved->str("namespace") : std::string{};
  const json::Value* event_time = obj.find("eventTime");
  bool has_event_time = event_time && !event_time->is_null() && !(event_time->is_string() && event_time->as_string().empty());
  const json::Value* meta = obj.find("metadata");
  std::string ns = meta ? meta->str("namespace") : std::string{};
  if (event_namespace_allowed(ns, involved_ns, has_event_time)) return;
  // Both APIs store the internal core Event: the error names its kind and field, whichever group
  // was written (the differential suite saw "Event", not "Event.events.k8s.io").
  ResourceType core = t.type;
  core.group.clear();
  throw invalid_field(core, meta ? meta->str("name") : std::string{}, "involvedObject.namespace", involved_ns,
                      "does not match event.namespace");
}

std::string Api::manager_for(const Request& req, const std::string& fallback) const {
  std::string m = req.param("fieldManager");
  if (!m.empty()) return m;
  // The real server names an unnamed manager after the client's User-Agent, up to the first '/'.
  std::string ua = req.user_agent.substr(0, req.user_agent.find('/'));
  return ua.empty() ? fallback : ua;
}

void Api::normalize(const ResourceType& type, json::Value& obj) {
  if (auto err = defaulter_.apply(type, obj)) {
    ApiError e;
    e.code = 422;
    e.reason = "Invalid";
    std::string name = obj.at_path("metadata.name") ? obj.at_path("metadata.name")->as_string() : std::string{};
    e.message = type.kind + " " + json::write(json::Value(name)) + " is invalid: " + *err;
    e.has_details = true;
    e.name = name;
    e.group = type.group;
    e.kind = type.kind;
    auto colon = err->find(": ");
    e.causes.push_back({"FieldValueInvalid", err->substr(colon + 2), err->substr(0, colon)});
    throw e;
  }
}

void Api::seed_configmap(const std::string& ns, const std::string& name, const json::Value& data) {
  const ResourceType* nst = registry_.find("", "v1", "namespaces");
  if (!store_.get("/namespaces", "", ns)) {
    json::Value n = json::Value::object();
    n["apiVersion"] = "v1";
    n["kind"] = "Namespace";
    n["metadata"]["name"] = ns;
    stamp_new(*nst, n);
    normalize(*nst, n);
    store_.create("/namespaces", std::move(n));
  }
  const ResourceType* cmt = registry_.find("", "v1", "configmaps");
  json::Value cm = json::Value::object();
  cm["apiVersion"] = "v1";
  cm["kind"] = "ConfigMap";
  cm["metadata"]["name"] = name;
  cm["metadata"]["namespace"] = ns;
  cm["data"] = data;
  stamp_new(*cmt, cm);
  record_update(cm, json::Value::object(), "steward-testapi-seed", "v1", now());
  store_.create(cmt->storage_key(), std::move(cm));
}

}  // namespace steward::testapi
