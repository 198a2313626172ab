#include "ops/acme_messages.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include "core/json_read.hpp"
#include "core/log_text.hpp"

namespace aisbf::acme {

namespace {

namespace json = boost::json;
using json_read::array_member;
using json_read::object_member;
using json_read::optional_int_member;
using json_read::string_member;

constexpr std::size_t kMaxAuthorizations = 100;  // Let's Encrypt allows 100 names per order
constexpr std::size_t kMaxChallenges = 16;
constexpr std::string_view kAcmeErrorPrefix = "urn:ietf:params:acme:error:";

std::optional<json::object> object_of(std::string_view body) {
  if (body.size() > kMaxJsonBytes) return std::nullopt;
  auto parsed = json_read::parse_object(body, "ACME answer");
  if (!parsed) return std::nullopt;
  return std::move(parsed.value());
}

std::optional<Problem> problem_of(const json::object& obj) {
  Problem problem;
  problem.type = string_member(obj, "type");
  problem.detail = string_member(obj, "detail");
  problem.status = static_cast<int>(optional_int_member(obj, "status").value_or(0));
  if (problem.type.empty() && problem.detail.empty()) return std::nullopt;
  return problem;
}

std::optional<Problem> error_member(const json::object& obj) {
  const json::object* error = object_member(obj, "error");
  return error != nullptr ? problem_of(*error) : std::nullopt;
}

std::optional<Challenge> challenge_of(const json::object& obj) {
  Challenge challenge;
  challenge.type = string_member(obj, "type");
  challenge.url = string_member(obj, "url");
  challenge.token = string_member(obj, "token");
  challenge.status = string_member(obj, "status");
  challenge.error = error_member(obj);
  if (challenge.type.empty() || !is_https_url(challenge.url)) return std::nullopt;
  return challenge;
}

std::string json_string(std::string_view text) { return json::serialize(json::string(text)); }

}  // namespace

std::string_view Problem::short_type() const {
  std::string_view t = type;
  if (t.starts_with(kAcmeErrorPrefix)) t.remove_prefix(kAcmeErrorPrefix.size());
  return t;
}

std::string Problem::describe() const {
  std::string text(short_type().empty() ? "problem" : short_type());
  if (!detail.empty()) text += ": " + detail;
  return log_text(text);
}

const Challenge* Authorization::http01() const {
  auto it = std::find_if(challenges.begin(), challenges.end(), [](const Challenge& c) { return c.type == "http-01"; });
  return it == challenges.end() ? nullptr : &*it;
}

std::optional<Directory> parse_directory(std::string_view body) {
  auto obj = object_of(body);
  if (!obj) return std::nullopt;
  Directory dir;
  dir.new_nonce = string_member(*obj, "newNonce");
  dir.new_account = string_member(*obj, "newAccount");
  dir.new_order = string_member(*obj, "newOrder");
  if (const json::object* meta = object_member(*obj, "meta")) {
    dir.terms_of_service = string_member(*meta, "termsOfService");
  }
  if (!is_https_url(dir.new_nonce) || !is_https_url(dir.new_account) || !is_https_url(dir.new_order))
    return std::nullopt;
  return dir;
}

std::optional<Order> parse_order(std::string_view body) {
  auto obj = object_of(body);
  if (!obj) return std::nullopt;
  Order order;
  order.status = string_member(*obj, "status");
  order.finalize = string_member(*obj, "finalize");
  order.certificate = string_member(*obj, "certificate");
  order.error = error_member(*obj);
  const json::array* authorizations = array_member(*obj, "authorizations");
  if (authorizations == nullptr || authorizations->size() > kMaxAuthorizations) return std::nullopt;
  for (const auto& v : *authorizations) {
    const json::string* url = v.if_string();
    if (url == nullptr || !is_https_url(std::string_view(*url))) return std::nullopt;
    order.authorizations.emplace_back(url->data(), url->size());
  }
  if (order.status.empty() || !is_https_url(order.finalize)) return std::nullopt;
  if (!order.certificate.empty() && !is_https_url(order.certificate)) return std::nullopt;
  return order;
}

std::optional<Authorization> parse_authorization(std::string_view body) {
  auto obj = object_of(body);
  if (!obj) return std::nullopt;
  Authorization authz;
  authz.status = string_member(*obj, "status");
  if (const json::object* identifier = object_member(*obj, "identifier")) {
    authz.identifier = string_member(*identifier, "value");
  }
  const json::array* challenges = array_member(*obj, "challenges");
  if (authz.status.empty() || challenges == nullptr || challenges->size() > kMaxChallenges) return std::nullopt;
  for (const auto& v : *challenges) {
    const json::object* c = v.if_object();
    if (c == nullptr) return std::nullopt;
    auto challenge = challenge_of(*c);
    if (!challenge) return std::nullopt;
    authz.challenges.push_back(std::move(*challenge));
  }
  return authz;
}

std::optional<Challenge> parse_challenge(std::string_view body) {
  auto obj = object_of(body);
  return obj ? challenge_of(*obj) : std::nullopt;
}

std::optional<Problem> parse_problem(std::string_view body) {
  auto obj = object_of(body);
  return obj ? problem_of(*obj) : std::nullopt;
}

std::string new_account_payload(std::string_view email) {
  std::string payload = R"({"termsOfServiceAgreed":true)";
  if (!email.empty()) payload += R"(,"contact":[)" + json_string("mailto:" + std::string(email)) + "]";
  return payload + "}";
}

std::string new_order_payload(std::string_view domain) {
  return R"({"identifiers":[{"type":"dns","value":)" + json_string(domain) + "}]}";
}

std::string finalize_payload(std::string_view csr_base64url) { return R"({"csr":)" + json_string(csr_base64url) + "}"; }

bool is_https_url(std::string_view text) { return text.size() > 8 && text.starts_with("https://"); }

std::string single_name_order_problem(const Order& order) {
  if (order.authorizations.size() == 1) return {};
  return fmt::format("the CA answered an order for one name with {} authorizations", order.authorizations.size());
}

bool is_valid_token(std::string_view token) {
  return !token.empty() && token.size() <= 128 && std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::chrono::seconds retry_after(std::string_view header, std::chrono::seconds fallback, std::chrono::seconds min,
                                 std::chrono::seconds max) {
  std::chrono::seconds wait = fallback;
  long long n = 0;
  const auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), n);
  if (!header.empty() && ec == std::errc() && end == header.data() + header.size() && n >= 0) {
    wait = std::chrono::seconds(n);
  }
  return std::clamp(wait, min, max);
}

}  // namespace aisbf::acme
