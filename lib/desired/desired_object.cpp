#include "desired/desired_object.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <vector>

namespace steward::desired {

std::string ObjectKey::to_string() const {
  std::string out = group.empty() ? kind : group + "/" + kind;
  out += ' ';
  if (!ns.empty()) out += ns + "/";
  out += name;
  return out;
}

std::size_t ObjectKeyHash::operator()(const ObjectKey& key) const {
  // boost::hash_combine's mixing, without the Boost dependency in this library.
  std::size_t seed = 0;
  for (const std::string* part : {&key.group, &key.kind, &key.ns, &key.name}) {
    seed ^= std::hash<std::string>{}(*part) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  }
  return seed;
}

namespace {
void write_canonical(const rapidjson::Value& value,
                     rapidjson::Writer<rapidjson::StringBuffer>& writer) {
  if (value.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    members.reserve(value.MemberCount());
    for (const auto& member : value.GetObject()) members.push_back(&member);
    std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
      return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
             std::string_view(b->name.GetString(), b->name.GetStringLength());
    });
    writer.StartObject();
    for (const auto* member : members) {
      writer.Key(member->name.GetString(), member->name.GetStringLength());
      write_canonical(member->value, writer);
    }
    writer.EndObject();
  } else if (value.IsArray()) {
    writer.StartArray();
    for (const auto& item : value.GetArray()) write_canonical(item, writer);
    writer.EndArray();
  } else {
    value.Accept(writer);
  }
}
}  // namespace

std::string canonical_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  write_canonical(value, writer);
  return {buffer.GetString(), buffer.GetSize()};
}

void make_body(DesiredObject& desired, std::string_view applyset) {
  desired.body = make_apply_body(*desired.object, desired.key.ns, desired.source, applyset);
  desired.opt_outs = opt_outs_of(*desired.object);
}

}  // namespace steward::desired
