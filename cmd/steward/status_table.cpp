#include "status_table.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <chrono>

#include "kube/exec_credential.hpp"  // parse_rfc3339

namespace steward::cmd {
namespace {

using Value = rapidjson::Value;

// Reads the fields of one JSON object, remembering the first one that is missing or of the wrong
// type: a document steward did not write is refused with that field's name.
class Fields {
 public:
  Fields(const Value& object, std::string where, std::string& error)
      : object_(object), where_(std::move(where)), error_(error) {}

  const Value* get(const char* name, bool (Value::*is)() const, const char* type) {
    const auto it = object_.FindMember(name);
    if (it == object_.MemberEnd() || !(it->value.*is)()) {
      fail(std::string(name) + " is not " + type);
      return nullptr;
    }
    return &it->value;
  }
  std::string string(const char* name) {
    const Value* value = get(name, &Value::IsString, "a string");
    return value ? std::string(value->GetString(), value->GetStringLength()) : std::string();
  }
  std::optional<std::string> string_or_null(const char* name) {
    const auto it = object_.FindMember(name);
    if (it != object_.MemberEnd() && it->value.IsNull()) return std::nullopt;
    return string(name);
  }
  bool boolean(const char* name) {
    const Value* value = get(name, &Value::IsBool, "true or false");
    return value && value->GetBool();
  }
  std::uint64_t count(const char* name) {
    const Value* value = get(name, &Value::IsUint64, "a count");
    return value ? value->GetUint64() : 0;
  }
  std::map<std::string, std::uint64_t> counts(const char* name) {
    std::map<std::string, std::uint64_t> out;
    const Value* value = get(name, &Value::IsObject, "an object");
    if (value == nullptr) return out;
    Fields inner(*value, where_ + name + ".", error_);
    for (const auto& member : value->GetObject()) {
      out[member.name.GetString()] = inner.count(member.name.GetString());
    }
    return out;
  }
  const Value* array(const char* name) { return get(name, &Value::IsArray, "an array"); }
  const Value* object(const char* name) { return get(name, &Value::IsObject, "an object"); }

 private:
  void fail(const std::string& why) {
    if (error_.empty()) error_ = where_ + why;
  }
  const Value& object_;
  std::string where_;
  std::string& error_;
};

StatusObject read_object(const Value& value, const std::string& where, std::string& error) {
  if (!value.IsObject()) {
    if (error.empty()) error = where + " is not an object";
    return {};
  }
  Fields f(value, where + ".", error);
  return StatusObject{.group = f.string("group"),
                      .kind = f.string("kind"),
                      .ns = f.string("namespace"),
                      .name = f.string("name"),
                      .health = f.string("health"),
                      .reason = f.string("reason"),
                      .message = f.string("message"),
                      .sync = f.string("sync"),
                      .result = f.string("result"),
                      .error = f.string("error")};
}

StatusSource read_source(const Value& value, const std::string& where, std::string& error) {
  StatusSource source;
  if (!value.IsObject()) {
    if (error.empty()) error = where + " is not an object";
    return source;
  }
  Fields f(value, where + ".", error);
  source.name = f.string("name");
  source.suspended = f.boolean("suspended");
  source.waiting_for = f.string_or_null("waitingFor");
  source.prune_refused = f.boolean("pruneRefused");
  if (const Value* load = f.object("load")) {
    Fields l(*load, where + ".load.", error);
    source.loaded = l.boolean("loaded");
    source.last_load_ok = l.boolean("lastLoadOK");
    if (const Value* errors = l.array("errors")) {
      for (const Value& e : errors->GetArray()) {
        if (e.IsString()) source.load_errors.emplace_back(e.GetString(), e.GetStringLength());
      }
    }
  }
  source.ready = f.boolean("ready");
  source.health = f.string("health");
  source.objects = f.count("objects");
  source.by_health = f.counts("byHealth");
  source.by_sync = f.counts("bySync");
  source.last_applied = f.string_or_null("lastApplied");
  if (const Value* attention = f.array("attention")) {
    for (rapidjson::SizeType i = 0; i < attention->Size(); ++i) {
      source.attention.push_back(read_object((*attention)[i],
                                             where + ".attention[" + std::to_string(i) + "]", error));
    }
  }
  return source;
}

std::uint64_t count_of(const std::map<std::string, std::uint64_t>& counts, const std::string& key) {
  const auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}

// "12s ago", "3m ago", "5h ago", "2d ago" (kubectl's AGE, whole units): how long before `now`
// `then` was; "never" without a time, "unknown" for one that does not parse.
std::string age(const std::string& now, const std::optional<std::string>& then) {
  if (!then) return "never";
  const auto at = kube::parse_rfc3339(*then);
  const auto reference = kube::parse_rfc3339(now);
  if (!at || !reference) return "unknown";
  using namespace std::chrono;
  const auto seconds = std::max<long long>(0, duration_cast<std::chrono::seconds>(*reference - *at).count());
  if (seconds < 120) return std::to_string(seconds) + "s ago";
  if (seconds < 120 * 60) return std::to_string(seconds / 60) + "m ago";
  if (seconds < 48 * 3600) return std::to_string(seconds / 3600) + "h ago";
  return std::to_string(seconds / 86400) + "d ago";
}

// "Deployment default/web", "Namespace web".
std::string object_name(const StatusObject& object) {
  return object.ns.empty() ? object.name : object.ns + "/" + object.name;
}

// The REASON and MESSAGE of an object: its failure when its reconcile fails (the health of an
// object steward cannot write says little), else its health's.
std::pair<std::string, std::string> reason_and_message(const StatusObject& object) {
  if (object.sync == "Failing") return {object.result, object.error};
  if (object.sync == "Pending" && object.reason.empty()) return {"", "not reconciled yet"};
  return {object.reason, object.message};
}

std::string source_status(const StatusSource& source) {
  if (source.suspended) return "Suspended";
  if (source.waiting_for) return "Waiting for " + *source.waiting_for;
  return source.health;
}

std::string source_message(const StatusSource& source) {
  if (!source.last_load_ok) {
    if (source.load_errors.empty()) return "not loaded yet";
    std::string message = "load failed: " + source.load_errors.front();
    if (source.load_errors.size() > 1) {
      message += " (and " + std::to_string(source.load_errors.size() - 1) + " more)";
    }
    if (source.loaded) message += "; the last good state stays in force";
    return message;
  }
  if (source.waiting_for) {
    return "dependsOn: waiting for source " + *source.waiting_for + " to be in sync and Current";
  }
  if (source.prune_refused) {
    return "prune refused: the load would delete more than pruneFraction of its objects";
  }
  if (source.suspended) return "suspended: nothing is applied or pruned";
  if (!source.attention.empty()) {
    // The first object that needs attention (in key order), as "Deployment default/web
    // InProgress: LessReplicas: Replicas: 0/1"; the object table lists them all.
    const StatusObject& first = source.attention.front();
    const auto [reason, message] = reason_and_message(first);
    std::string text = first.kind + " " + object_name(first) + " " +
                       (first.sync == "InSync" ? first.health : first.sync);
    if (!reason.empty()) text += ": " + reason;
    if (!message.empty()) text += ": " + message;
    if (source.attention.size() > 1) {
      text += " (and " + std::to_string(source.attention.size() - 1) + " more)";
    }
    return text;
  }
  return "Applied " + std::to_string(source.objects) + " object" + (source.objects == 1 ? "" : "s");
}

// Rows as kubectl prints them: each column as wide as its widest cell plus three spaces, the last
// one not padded (no trailing blanks).
std::string aligned(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::optional<StatusDocument> parse_status(std::string_view body, std::string& error) {
  error.clear();
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    error = std::string("not JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()) +
            " at offset " + std::to_string(doc.GetErrorOffset());
    return std::nullopt;
  }
  if (!doc.IsObject()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  Fields f(doc, "", error);
  const std::string kind = f.string("kind");
  if (error.empty() && kind != "Status") error = "kind is \"" + kind + "\", not \"Status\"";
  if (!error.empty()) return std::nullopt;
  StatusDocument status;
  status.time = f.string("time");
  status.ready = f.boolean("ready");
  if (const Value* sources = f.array("sources")) {
    for (rapidjson::SizeType i = 0; i < sources->Size(); ++i) {
      status.sources.push_back(
          read_source((*sources)[i], "sources[" + std::to_string(i) + "]", error));
    }
  }
  if (!error.empty()) return std::nullopt;
  return status;
}

std::uint64_t failed_objects(const StatusSource& source) {
  const std::uint64_t failed = count_of(source.by_health, "Failed");
  const std::uint64_t failing = count_of(source.by_sync, "Failing");
  if (source.attention.size() < kStatusAttentionLimit) {
    return static_cast<std::uint64_t>(
        std::count_if(source.attention.begin(), source.attention.end(), [](const StatusObject& o) {
          return o.health == "Failed" || (o.sync == "Failing" && o.result != "waiting");
        }));
  }
  return std::min(source.objects, failed + failing);
}

std::string status_table(const StatusDocument& status) {
  std::vector<std::vector<std::string>> sources{
      {"NAME", "READY", "STATUS", "OBJECTS", "DRIFTED", "FAILED", "LAST APPLIED", "MESSAGE"}};
  std::vector<std::vector<std::string>> objects{
      {"SOURCE", "KIND", "NAMESPACE/NAME", "HEALTH", "SYNC", "REASON", "MESSAGE"}};
  for (const StatusSource& source : status.sources) {
    sources.push_back({source.name, source.ready ? "True" : "False", source_status(source),
                       std::to_string(source.objects),
                       std::to_string(count_of(source.by_sync, "Drifted")),
                       std::to_string(failed_objects(source)), age(status.time, source.last_applied),
                       source_message(source)});
    for (const StatusObject& object : source.attention) {
      auto [reason, message] = reason_and_message(object);
      objects.push_back({source.name, object.kind, object_name(object), object.health, object.sync,
                         std::move(reason), std::move(message)});
    }
  }
  if (status.sources.empty()) return "no sources\n";
  std::string out = aligned(sources);
  if (objects.size() > 1) out += "\n" + aligned(objects);
  return out;
}

std::string pretty_json(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) return std::string(body) + "\n";
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

int status_exit_code(const StatusDocument& status) { return status.ready ? 0 : 1; }

}  // namespace steward::cmd
