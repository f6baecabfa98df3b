// Requests and responses as the server's logic sees them, free of Beast: the HTTP layer fills a
// Request, the router answers with a Response or asks for a watch stream.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace steward::testapi {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent
  std::string path;    // percent-decoded path
  std::multimap<std::string, std::string> query;
  std::string authorization;
  std::string content_type;
  std::string user_agent;
  std::string accept;         // "" when absent
  std::string if_none_match;  // "" when absent
  std::string body;

  // The first value of a query parameter, or "".
  std::string param(const std::string& name) const;
  bool has_param(const std::string& name) const { return query.count(name) > 0; }
  // A boolean query parameter as kube-apiserver reads one (apimachinery's
  // runtime.Convert_Slice_string_To_bool): absent, "0" or "false" in any case is false; anything
  // else, even "True" (the Python client's spelling) or an empty value, is true.
  bool flag(const std::string& name) const;
  // Splits target into path and query (percent-decoding both).
  void parse_target();
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// "404 page not found" as the real server's mux answers unknown paths: text, not a Status (26, 33).
Response page_not_found();

}  // namespace steward::testapi
