#include "config/show.hpp"

#include <charconv>

#include "base/go_duration.hpp"
#include "base/quote.hpp"

namespace steward::config {

std::string format_number(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

std::string show(bool value) { return value ? "true" : "false"; }
std::string show(int value) { return std::to_string(value); }
std::string show(double value) { return format_number(value); }
std::string show(Duration value) { return base::format_duration(value); }
std::string show(const std::string& value) { return base::quote(value); }
std::string show(const std::filesystem::path& value) { return base::quote(value.string()); }

std::string show(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + base::quote(values[i]);
  return out + "]";
}

std::string show(const std::vector<reconcile::IgnoreRule>& rules) {
  const auto list = [](const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
    return out + "]";
  };
  std::string out = "[";
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const reconcile::IgnoreRule& rule = rules[i];
    out += i ? ", {" : "{";
    out += rule.paths.empty() ? "managers: " + list(rule.managers) : "paths: " + list(rule.paths);
    const reconcile::IgnoreTarget& t = rule.target;
    std::string target;
    for (const auto& [name, value] : {std::pair<std::string_view, const std::string*>{"group", &t.group},
                                      {"version", &t.version},
                                      {"kind", &t.kind},
                                      {"namespace", &t.ns},
                                      {"name", &t.name},
                                      {"labelSelector", &t.label_selector}}) {
      if (value->empty()) continue;
      target += (target.empty() ? "" : ", ") + std::string(name) + ": " + *value;
    }
    if (!target.empty()) out += ", target: {" + target + "}";
    out += "}";
  }
  return out + "]";
}

}  // namespace steward::config
