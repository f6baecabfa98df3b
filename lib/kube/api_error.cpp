#include "kube/api_error.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace steward::kube {
namespace {

constexpr std::array<std::pair<Reason, std::string_view>, 14> kReasons{{
    {Reason::NotFound, "NotFound"},
    {Reason::AlreadyExists, "AlreadyExists"},
    {Reason::Conflict, "Conflict"},
    {Reason::Invalid, "Invalid"},
    {Reason::Forbidden, "Forbidden"},
    {Reason::Unauthorized, "Unauthorized"},
    {Reason::Expired, "Expired"},
    {Reason::Gone, "Gone"},
    {Reason::TooManyRequests, "TooManyRequests"},
    {Reason::InternalError, "InternalError"},
    {Reason::ServiceUnavailable, "ServiceUnavailable"},
    {Reason::Timeout, "Timeout"},
    {Reason::BadRequest, "BadRequest"},
    {Reason::MethodNotAllowed, "MethodNotAllowed"},
}};

std::string get_string(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return "";
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::optional<int> get_int(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return std::nullopt;
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsInt()) return std::nullopt;
  return it->value.GetInt();
}

StatusDetails parse_details(const rapidjson::Value& status) {
  StatusDetails details;
  const auto it = status.FindMember("details");
  if (it == status.MemberEnd() || !it->value.IsObject()) return details;
  const rapidjson::Value& d = it->value;
  details.name = get_string(d, "name");
  details.group = get_string(d, "group");
  details.kind = get_string(d, "kind");
  details.uid = get_string(d, "uid");
  details.retry_after_seconds = get_int(d, "retryAfterSeconds");
  if (const auto causes = d.FindMember("causes");
      causes != d.MemberEnd() && causes->value.IsArray()) {
    for (const auto& c : causes->value.GetArray()) {
      details.causes.push_back(
          StatusCause{get_string(c, "reason"), get_string(c, "message"), get_string(c, "field")});
    }
  }
  return details;
}

// What client-go's NewGenericServerResponse derives from a bare HTTP code.
std::pair<Reason, std::string> generic(int code, std::string_view method) {
  switch (code) {
    case 400: return {Reason::BadRequest, "the server rejected our request for an unknown reason"};
    case 401:
      return {Reason::Unauthorized, "the server has asked for the client to provide credentials"};
    case 403: return {Reason::Forbidden, "forbidden"};
    case 404: return {Reason::NotFound, "the server could not find the requested resource"};
    case 405:
      return {Reason::MethodNotAllowed,
              "the server does not allow this method on the requested resource"};
    case 409:
      return {method == "POST" ? Reason::AlreadyExists : Reason::Conflict,
              "the server reported a conflict"};
    case 410: return {Reason::Gone, "the requested resource is no longer available"};
    case 422:
      return {Reason::Invalid, "the server rejected our request due to an error in our request"};
    case 429:
      return {Reason::TooManyRequests,
              "the server has received too many requests and has asked us to try again later"};
    case 503:
      return {Reason::ServiceUnavailable, "the server is currently unable to handle the request"};
    case 504:
      return {Reason::Timeout,
              "the server was unable to return a response in the time allotted, but may still be "
              "processing the request"};
    default: break;
  }
  if (code >= 500) return {Reason::InternalError, "an error on the server has prevented the request"};
  return {Reason::Unknown, "the server responded with the status code " + std::to_string(code) +
                               " but did not return more information"};
}

std::optional<int> parse_retry_after(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  int seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc{} || end != value.data() + value.size() || seconds < 0) return std::nullopt;
  return seconds;
}

}  // namespace

std::string_view to_string(Reason reason) {
  for (const auto& [r, name] : kReasons) {
    if (r == reason) return name;
  }
  return "Unknown";
}

Reason parse_reason(std::string_view text) {
  for (const auto& [r, name] : kReasons) {
    if (name == text) return r;
  }
  return Reason::Unknown;
}

std::optional<ApiError> ApiError::from_status(const rapidjson::Value& status, int fallback_code) {
  if (!status.IsObject() || get_string(status, "kind") != "Status") return std::nullopt;
  if (get_string(status, "status") == "Success") return std::nullopt;
  ApiError error;
  error.code_ = get_int(status, "code").value_or(0);
  if (error.code_ == 0) error.code_ = fallback_code;
  error.reason_string_ = get_string(status, "reason");
  error.message_ = get_string(status, "message");
  error.details_ = parse_details(status);
  if (error.reason_string_.empty()) {
    // A Status without reason: derive it from the code, as for a body that is not a Status.
    auto [reason, message] = generic(error.code_, {});
    error.reason_string_ = std::string(kube::to_string(reason));
    if (error.message_.empty()) error.message_ = std::move(message);
  }
  error.reason_ = parse_reason(error.reason_string_);
  return error;
}

ApiError ApiError::from_response(int http_status, std::string_view body,
                                 std::optional<std::string_view> retry_after_header,
                                 std::string_view method) {
  std::optional<ApiError> parsed;
  if (!body.empty()) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (!doc.HasParseError()) parsed = from_status(doc, http_status);
  }
  ApiError error;
  if (parsed) {
    error = std::move(*parsed);
  } else {
    auto [reason, message] = generic(http_status, method);
    error.code_ = http_status;
    error.reason_ = reason;
    error.reason_string_ = std::string(kube::to_string(reason));
    error.message_ = std::move(message);
    // Keep the body's first line: "404 page not found" tells an unknown group/version apart.
    std::string_view first = body.substr(0, body.find_first_of("\r\n"));
    if (first.size() > 200) first = first.substr(0, 200);
    if (!first.empty()) error.message_ += " (" + std::string(first) + ")";
  }
  if (retry_after_header) {
    if (auto seconds = parse_retry_after(*retry_after_header)) {
      error.details_.retry_after_seconds = seconds;
    }
  }
  return error;
}

ApiError ApiError::transport_failure(std::string what) {
  ApiError error;
  error.code_ = 0;
  error.reason_ = Reason::Unknown;
  error.message_ = std::move(what);
  return error;
}

ApiError ApiError::timeout(std::string what) {
  ApiError error = transport_failure(std::move(what));
  error.timeout_ = true;
  return error;
}

ApiError ApiError::circuit_open(std::string what, std::chrono::milliseconds retry_in) {
  ApiError error = transport_failure(std::move(what));
  error.circuit_open_ = true;
  error.circuit_retry_in_ = retry_in;
  return error;
}

ApiError ApiError::fenced(std::string what) {
  ApiError error = transport_failure(std::move(what));
  error.fenced_ = true;
  return error;
}

std::optional<std::chrono::seconds> ApiError::retry_after() const {
  if (!details_.retry_after_seconds) return std::nullopt;
  return std::chrono::seconds(*details_.retry_after_seconds);
}

bool ApiError::is_resource_version_too_large() const {
  for (const auto& cause : details_.causes) {
    if (cause.reason == "ResourceVersionTooLarge") return true;
    if ((code_ == 504 || reason_ == Reason::Timeout) && cause.message == "Too large resource version") {
      return true;
    }
  }
  return false;
}

bool ApiError::retryable() const {
  if (fenced_) return false;
  if (is_transport_failure() || code_ == 429) return true;
  // 501 Not Implemented will not change by asking again.
  return code_ >= 500 && code_ <= 599 && code_ != 501;
}

bool ApiError::transient_for_reconcile() const {
  if (retryable() || fenced_ || code_ == 409 || is_gone()) return true;
  // Only a Status naming the namespace: a bare 404 (text/plain) means an unknown kind, which
  // waiting will not fix.
  return reason_ == Reason::NotFound && details_.kind == "namespaces";
}

std::string ApiError::to_string() const {
  if (is_transport_failure()) return "no response: " + message_;
  return std::to_string(code_) + " " + reason_string_ + ": " + message_;
}

std::string_view reason_label(const ApiError& error) {
  return error.is_transport_failure() ? "Network" : to_string(error.reason());
}

WriteResult write_result(const std::optional<ApiError>& error, int status) {
  if (!error) return {status, "success"};
  return {error->code(), reason_label(*error)};
}

}  // namespace steward::kube
