#include "http_types.hpp"

#include <cctype>

namespace steward::testapi {

namespace {
std::string decode(const std::string& s, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}
}  // namespace

std::string Request::param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string{} : it->second;
}

bool Request::flag(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return false;
  std::string value = it->second;
  for (auto& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return value != "0" && value != "false";
}

void Request::parse_target() {
  auto q = target.find('?');
  try {
    path = decode(target.substr(0, q), false);
    query.clear();
    if (q == std::string::npos) return;
    std::string rest = target.substr(q + 1);
    std::size_t start = 0;
    while (start <= rest.size()) {
      auto amp = rest.find('&', start);
      std::string kv = rest.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      if (!kv.empty()) {
        auto eq = kv.find('=');
        query.emplace(decode(kv.substr(0, eq), true),
                      eq == std::string::npos ? std::string{} : decode(kv.substr(eq + 1), true));
      }
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  } catch (const std::exception&) {
    // Malformed escapes: keep what we have; routing will 404 or 400 on it.
  }
}

Response page_not_found() {
  Response r;
  r.status = 404;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "404 page not found\n";
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace steward::testapi
