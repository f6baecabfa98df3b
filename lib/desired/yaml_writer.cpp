#include "desired/yaml_writer.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "desired/scalar_resolve.hpp"

namespace steward::desired {
namespace {

using rapidjson::Value;
using Lines = std::vector<std::string>;

std::string_view view(const Value& string) {
  return {string.GetString(), string.GetStringLength()};
}

bool printable_ascii(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= 0x20 && byte <= 0x7e;
}

// Characters that YAML reads as line breaks or a byte-order mark (U+0085, U+2028, U+2029,
// U+FEFF) if written raw, and their escapes (yaml-cpp reads \N as a lone byte, not U+0085).
std::string_view special_escape(std::string_view text, std::size_t at, std::size_t& length) {
  static constexpr std::pair<std::string_view, std::string_view> kSpecial[] = {
      {"\xc2\x85", "\\u0085"}, {"\xe2\x80\xa8", "\\u2028"}, {"\xe2\x80\xa9", "\\u2029"},
      {"\xef\xbb\xbf", "\\uFEFF"}};
  for (const auto& [raw, escape] : kSpecial) {
    if (text.substr(at, raw.size()) == raw) {
      length = raw.size();
      return escape;
    }
  }
  return {};
}

bool plain_ok(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), printable_ascii)) return false;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(text.front()) != std::string_view::npos) {
    return false;
  }
  if (text.front() == ' ' || text.back() == ' ' || text.back() == ':') return false;
  if (text.find(": ") != std::string_view::npos || text.find(" #") != std::string_view::npos) {
    return false;
  }
  if (text == "<<") return false;  // a merge key when plain
  return resolve_plain_scalar(text).type == ResolvedScalar::Type::kString;
}

std::string quoted(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    std::size_t length = 0;
    if (const auto escape = special_escape(text, i, length); !escape.empty()) {
      out += escape;
      i += length - 1;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (const auto byte = static_cast<unsigned char>(c); byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string string_text(std::string_view text) {
  return plain_ok(text) ? std::string(text) : quoted(text);
}

// A multi-line string as a literal block: the header ("|", "|-" or "|+") and the content lines,
// unindented; nullopt when a literal block would not read back as exactly `text`.
struct LiteralBlock {
  std::string header;
  Lines lines;
};

std::optional<LiteralBlock> literal_block(std::string_view text) {
  if (text.find('\n') == std::string_view::npos) return std::nullopt;
  const std::size_t body_end = text.find_last_not_of('\n');
  if (body_end == std::string_view::npos) return std::nullopt;  // only line breaks
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    if (byte == '\n' || byte == '\t') continue;
    if (byte < 0x20 || byte == 0x7f || !special_escape(text, i, length).empty()) {
      return std::nullopt;
    }
  }
  LiteralBlock block;
  const std::string_view body = text.substr(0, body_end + 1);
  bool seen_content = false;
  for (std::size_t start = 0; start <= body.size();) {
    std::size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view line = body.substr(start, end - start);
    if (!line.empty()) {
      // Indentation is detected from the first non-empty line, in spaces only; whitespace-only
      // lines would be read as indentation, and a tab cannot start one.
      if (line.find_first_not_of(" \t") == std::string_view::npos) return std::nullopt;
      if (line.front() == '\t' || (!seen_content && line.front() == ' ')) return std::nullopt;
      seen_content = true;
    }
    block.lines.emplace_back(line);
    start = end + 1;
  }
  const std::size_t trailing = text.size() - body.size();
  block.header = trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
  for (std::size_t i = 1; i < trailing; ++i) block.lines.emplace_back();
  return block;
}

// A value that fits on its line: scalars and empty containers.
std::string inline_text(const Value& value) {
  if (value.IsString()) return string_text(view(value));
  if (value.IsObject()) return "{}";
  if (value.IsArray()) return "[]";
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

void write_map(const Value& map, std::size_t indent, Lines& out);
void write_list(const Value& list, std::size_t indent, Lines& out);

// `value` after `head` ("key:" or "-" at `indent`).
void write_under(std::string head, const Value& value, std::size_t indent, bool list_item,
                 Lines& out) {
  const bool block_map = value.IsObject() && !value.ObjectEmpty();
  const bool block_list = value.IsArray() && !value.Empty();
  if (block_map || block_list) {
    if (!list_item) {
      out.push_back(std::move(head));
      // A list under a key sits at the key's indent, as kubectl writes it.
      if (block_map) write_map(value, indent + 2, out);
      if (block_list) write_list(value, indent, out);
      return;
    }
    // In a list, the first line of the item goes on the "- " line.
    const std::size_t first = out.size();
    if (block_map) write_map(value, indent + 2, out);
    if (block_list) write_list(value, indent + 2, out);
    out[first] = head + " " + out[first].substr(indent + 2);
    return;
  }
  if (value.IsString()) {
    if (auto block = literal_block(view(value))) {
      out.push_back(head + " " + block->header);
      const std::string pad(indent + 2, ' ');
      for (const std::string& line : block->lines) out.push_back(line.empty() ? line : pad + line);
      return;
    }
  }
  out.push_back(head + " " + inline_text(value));
}

void write_map(const Value& map, std::size_t indent, Lines& out) {
  std::vector<const Value::Member*> members;
  for (const auto& member : map.GetObject()) members.push_back(&member);
  std::sort(members.begin(), members.end(),
            [](const auto* a, const auto* b) { return view(a->name) < view(b->name); });
  for (const auto* member : members) {
    write_under(std::string(indent, ' ') + string_text(view(member->name)) + ":", member->value,
                indent, false, out);
  }
}

void write_list(const Value& list, std::size_t indent, Lines& out) {
  for (const auto& item : list.GetArray()) {
    write_under(std::string(indent, ' ') + "-", item, indent, true, out);
  }
}

}  // namespace

std::string to_yaml(const Value& value) {
  Lines lines;
  if (value.IsObject() && !value.ObjectEmpty()) {
    write_map(value, 0, lines);
  } else if (value.IsArray() && !value.Empty()) {
    write_list(value, 0, lines);
  } else if (value.IsString()) {
    lines.push_back(quoted(view(value)));  // a plain "..." alone would end the document
  } else {
    lines.push_back(inline_text(value));
  }
  std::string out;
  for (const std::string& line : lines) out.append(line).append("\n");
  return out;
}

}  // namespace steward::desired
