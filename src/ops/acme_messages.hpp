// ACME (RFC 8555) messages as values, without I/O: the payloads aisbf sends
// and the resources a CA answers (directory, order, authorization,
// challenge) and its problem documents (RFC 7807), read with bounds (the
// CA is a remote party like any upstream).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aisbf::acme {

// Bodies aisbf accepts from the CA: a JSON resource, and the certificate chain.
inline constexpr std::size_t kMaxJsonBytes = 64 * 1024;
inline constexpr std::size_t kMaxChainBytes = 256 * 1024;

struct Directory {
  std::string new_nonce, new_account, new_order;
  std::string terms_of_service;  // meta.termsOfService, when given
};

// RFC 7807 problem document (application/problem+json).
struct Problem {
  std::string type;    // e.g. "urn:ietf:params:acme:error:badNonce"
  std::string detail;  // the CA's explanation, for the log
  int status = 0;
  // The type without "urn:ietf:params:acme:error:" ("badNonce"); the whole
  // type for other namespaces.
  std::string_view short_type() const;
  bool is_bad_nonce() const { return short_type() == "badNonce"; }
  // "badNonce: <detail>" (bounded, one line): what the log says.
  std::string describe() const;
};

struct Challenge {
  std::string type;  // "http-01", "dns-01", …
  std::string url;
  std::string token;
  std::string status;
  std::optional<Problem> error;
};

struct Authorization {
  std::string status;      // pending, valid, invalid, deactivated, expired, revoked
  std::string identifier;  // the domain
  std::vector<Challenge> challenges;
  // The http-01 challenge, when offered.
  const Challenge* http01() const;
};

struct Order {
  std::string status;  // pending, ready, processing, valid, invalid
  std::vector<std::string> authorizations;
  std::string finalize;
  std::string certificate;  // once valid
  std::optional<Problem> error;
};

// Each nullopt when the body is not JSON of that shape (a URL missing or
// not https, too many entries, over kMaxJsonBytes).
std::optional<Directory> parse_directory(std::string_view body);
std::optional<Order> parse_order(std::string_view body);
std::optional<Authorization> parse_authorization(std::string_view body);
std::optional<Challenge> parse_challenge(std::string_view body);
std::optional<Problem> parse_problem(std::string_view body);

// Payloads.
std::string new_account_payload(std::string_view email);  // termsOfServiceAgreed, contact mailto: when given
std::string new_order_payload(std::string_view domain);
std::string finalize_payload(std::string_view csr_base64url);
inline constexpr std::string_view kChallengeResponsePayload = "{}";

// RFC 8555 §6.1: every ACME URL is https (the directory's, and each one
// the CA answers with, Location headers included).
bool is_https_url(std::string_view text);

// aisbf orders one identifier: the CA must answer with exactly one
// authorization. "" when it did, else the reason.
std::string single_name_order_problem(const Order& order);

// An ACME token as http-01 carries it: base64url characters only, 1..128 of
// them (RFC 8555 §8.3 asks for at least 128 bits of entropy: 22+ characters;
// the route answers only tokens in flight anyway).
bool is_valid_token(std::string_view token);

// Retry-After (seconds only; an HTTP date or nothing: `fallback`), clamped
// to [min, max] so a CA cannot stall the runner.
std::chrono::seconds retry_after(std::string_view header, std::chrono::seconds fallback, std::chrono::seconds min,
                                 std::chrono::seconds max);

}  // namespace aisbf::acme
