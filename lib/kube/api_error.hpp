#pragma once
// ApiError: a failed API request as a value: HTTP code, the Status `reason`, message and details,
// and what to do about it.
//
// Built from the response: a `Status` body when the server sent one, otherwise (empty body, HTML
// from a proxy, `404 page not found` in text/plain for an unknown group/version) from the HTTP code
// alone, deriving the reason as client-go's NewGenericServerResponse does. Or from a transport
// failure (no response at all), which has code 0.
//
// Two classifications, for two different callers:
//   retryable()                the transport may send the SAME request again after a delay:
//                              no response, 429, 5xx except 501. A 409 is not retryable: the same
//                              request would fail the same way.
//   transient_for_reconcile()  the reconcile should be re-queued with rate-limited backoff:
//                              everything retryable, plus conflicts (409: the next reconcile reads
//                              the newer object), 410 (start over), and a 404 naming a namespace
//                              (it may be created by the same desired state).
//                              The rest (400, 401, 403, 404 for a missing kind, 405, 422) is
//                              permanent: reported, and retried only at the slowest backoff.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace steward::kube {

// Status reasons steward tells apart; anything else is Unknown (reason_string() keeps the text).
enum class Reason {
  NotFound,
  AlreadyExists,
  Conflict,
  Invalid,
  Forbidden,
  Unauthorized,
  Expired,
  Gone,
  TooManyRequests,
  InternalError,
  ServiceUnavailable,
  Timeout,
  BadRequest,
  MethodNotAllowed,
  Unknown,
};
std::string_view to_string(Reason reason);
Reason parse_reason(std::string_view text);

struct StatusCause {
  std::string reason;  // e.g. FieldValueInvalid, FieldManagerConflict
  std::string message;
  std::string field;  // e.g. metadata.name, .spec.replicas
};

struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;  // often the resource ("configmaps"), sometimes the kind ("ConfigMap")
  std::string uid;
  std::vector<StatusCause> causes;
  std::optional<int> retry_after_seconds;
};

class ApiError {
 public:
  // From an HTTP error response. `retry_after_header` is the Retry-After header's value if any
  // (seconds; the HTTP-date form is ignored, as client-go does); it wins over the Status's
  // details.retryAfterSeconds. `method` only matters for a 409 without a Status: POST means
  // AlreadyExists, anything else Conflict.
  static ApiError from_response(int http_status, std::string_view body,
                                std::optional<std::string_view> retry_after_header = std::nullopt,
                                std::string_view method = {});

  // From a Status object already parsed, e.g. a watch ERROR event's `object`. nullopt if `status`
  // is not a failure Status. `fallback_code` is used when the Status has no code.
  static std::optional<ApiError> from_status(const rapidjson::Value& status, int fallback_code = 0);

  // No response: connection refused or reset, TLS failure, timeout. `what` says which.
  static ApiError transport_failure(std::string what);
  // No response within a deadline (connect, request, or a stream's idle deadline): a transport
  // failure that callers may want to tell apart from a refused or reset connection.
  static ApiError timeout(std::string what);
  // Not sent: the server's circuit breaker is open (a transport failure that never reached the
  // network; retrying at once would only be refused again). `retry_in`: when the breaker may
  // admit a request (CircuitBreaker::retry_in).
  static ApiError circuit_open(std::string what, std::chrono::milliseconds retry_in);

  // Not sent, or cut off on the wire: this process may not write (its WriteFence closed: leader
  // election lost). Never retried; a reconcile that meets it waits, it did not fail.
  static ApiError fenced(std::string what);

  int code() const { return code_; }  // HTTP code; 0 for a transport failure
  Reason reason() const { return reason_; }
  const std::string& reason_string() const { return reason_string_; }  // as sent, or derived
  const std::string& message() const { return message_; }
  const StatusDetails& details() const { return details_; }
  std::optional<std::chrono::seconds> retry_after() const;

  bool is_transport_failure() const { return code_ == 0; }
  bool is_timeout() const { return timeout_; }
  bool is_circuit_open() const { return circuit_open_; }
  bool is_fenced() const { return fenced_; }
  // An open breaker's refusal: how long until it may admit a request. A caller that retries
  // waits this long instead of its own backoff, which refusals (costing no network) would only
  // grow past the moment the server is back.
  std::optional<std::chrono::milliseconds> circuit_retry_in() const {
    if (!circuit_open_) return std::nullopt;
    return circuit_retry_in_;
  }
  bool is_not_found() const { return reason_ == Reason::NotFound || code_ == 404; }
  bool is_already_exists() const { return reason_ == Reason::AlreadyExists; }
  // A 409 that is not AlreadyExists: stale resourceVersion, failed precondition, apply conflict.
  bool is_conflict() const { return code_ == 409 && reason_ != Reason::AlreadyExists; }
  // 410, or reason Expired/Gone (a watch ERROR event carries 410 inside a 200 stream).
  bool is_gone() const {
    return code_ == 410 || reason_ == Reason::Expired || reason_ == Reason::Gone;
  }
  bool is_invalid() const { return reason_ == Reason::Invalid || code_ == 422; }
  // "Too large resource version": the server has not reached the resourceVersion asked for (its
  // watch cache waited 3 s for it; a 504 Timeout whose cause says so, apiserver
  // storage/errors.go). The cause's type, or for 1.17.0-1.18.5 servers its message, as client-go's
  // isTooLargeResourceVersionError reads it.
  bool is_resource_version_too_large() const;
  bool is_unauthorized() const { return code_ == 401; }
  bool is_forbidden() const { return code_ == 403; }
  bool is_too_many_requests() const { return code_ == 429; }

  bool retryable() const;
  bool transient_for_reconcile() const;

  // "404 NotFound: configmaps \"nope\" not found": for logs and Events.
  std::string to_string() const;

 private:
  ApiError() = default;

  int code_ = 0;
  Reason reason_ = Reason::Unknown;
  std::string reason_string_;
  std::string message_;
  StatusDetails details_;
  bool timeout_ = false;
  bool fenced_ = false;
  bool circuit_open_ = false;
  std::chrono::milliseconds circuit_retry_in_{0};
};

// A failure's reason as metrics and audit lines name it: the Status reason (Unknown when steward
// does not know it), Network when no response came (the circuit breaker's refusals included).
std::string_view reason_label(const ApiError& error);

// How a write ended, for audit lines: the HTTP status (`status` when it succeeded, the error's code
// otherwise: 0 when no response came) and "success" or the failure's reason_label.
struct WriteResult {
  int code = 0;
  std::string_view result;
};
WriteResult write_result(const std::optional<ApiError>& error, int status);

}  // namespace steward::kube
