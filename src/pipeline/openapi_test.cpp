// The OpenAPI document (src/api/openapi.json, embedded) and the route table
// describe the same routes: every (method, pattern) of route_table() is in
// the document, and every operation of the document is a route, with the
// security schemes the gateway really reads for it.
#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

#include <boost/json/parse.hpp>

#include "api/openapi.hpp"
#include "auth/request_auth.hpp"
#include "pipeline/route_table.hpp"

namespace aisbf {
namespace {

namespace json = boost::json;
using Operation = std::pair<std::string, std::string>;  // method (lower case), OpenAPI path

// "/v1/models/{model_id*}" → "/v1/models/{model_id}".
std::string openapi_path(std::string_view pattern) {
  std::string out(pattern);
  for (auto star = out.find("*}"); star != std::string::npos; star = out.find("*}")) out.erase(star, 1);
  return out;
}

std::set<Operation> table_operations() {
  constexpr std::pair<api::MethodSet, const char*> kMethods[] = {{api::kMethodGet, "get"},
                                                                 {api::kMethodPost, "post"},
                                                                 {api::kMethodPut, "put"},
                                                                 {api::kMethodPatch, "patch"},
                                                                 {api::kMethodDelete, "delete"},
                                                                 {api::kMethodOptions, "options"}};
  std::set<Operation> out;
  for (const auto& route : route_table()) {
    // HEAD is implied by GET.
    for (const auto& [bit, name] : kMethods) {
      if ((route.spec.methods & bit) != 0) out.emplace(name, openapi_path(route.spec.pattern));
    }
  }
  return out;
}

std::set<Operation> document_operations(const json::object& paths) {
  static const std::set<std::string> kVerbs = {"get", "put", "post", "delete", "patch", "head", "options", "trace"};
  std::set<Operation> out;
  for (const auto& [path, item] : paths) {
    for (const auto& kv : item.as_object()) {
      if (kVerbs.count(std::string(kv.key())) != 0) out.emplace(std::string(kv.key()), std::string(path));
    }
  }
  return out;
}

std::string listed(const std::set<Operation>& ops) {
  std::string out;
  for (const auto& [method, path] : ops) out += "  " + method + " " + path + "\n";
  return out;
}

TEST(OpenApi, IsAnOpenApi31Document) {
  boost::system::error_code ec;
  const json::value doc = json::parse(api::openapi_json(), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(doc.at("openapi").as_string().subview(0, 4), "3.1.");
  EXPECT_TRUE(doc.at("info").as_object().contains("title"));
  EXPECT_TRUE(doc.at("components").at("securitySchemes").as_object().contains("bearer"));
}

TEST(OpenApi, DescribesExactlyTheRoutesOfTheRouteTable) {
  const json::value doc = json::parse(api::openapi_json());
  const auto in_table = table_operations();
  const auto in_doc = document_operations(doc.at("paths").as_object());
  std::set<Operation> missing, extra;
  for (const auto& op : in_table)
    if (in_doc.count(op) == 0) missing.insert(op);
  for (const auto& op : in_doc)
    if (in_table.count(op) == 0) extra.insert(op);
  EXPECT_TRUE(missing.empty())
      << "routes of route_table() missing from src/api/openapi.json (when a branch adds routes, describe them there: "
         "path, method, security, request and response schemas; at a merge the lead fills in the other branches' "
         "routes):\n"
      << listed(missing);
  EXPECT_TRUE(extra.empty()) << "operations in src/api/openapi.json that no route serves:\n" << listed(extra);
}

// What admission reads for a route (pipeline/admission.cpp): nothing on a
// public route; else Authorization (bearer), x-api-key only where the
// route's clients speak Anthropic (always, or with anthropic-version), and
// the session cookie, which needs X-CSRF-Token on a state-changing method. A session_csrf route takes only
// the session. Each requirement as sorted scheme names joined by '+'.
std::set<std::string> expected_security(const api::RouteSpec& spec, std::string_view method) {
  if (spec.policy == auth::AuthPolicy::public_route) return {};
  std::string upper(method);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string session = auth::is_state_changing_method(upper) ? "csrf+session" : "session";
  if (spec.policy == auth::AuthPolicy::session_csrf) return {"csrf+session"};
  std::set<std::string> out = {"bearer", session};
  if (ingress_format(spec.format) == IngressFormat::anthropic_messages ||
      spec.format == api::ClientFormat::openai_or_anthropic) {
    out.insert("apiKey");
  }
  return out;
}

std::set<std::string> document_security(const json::value& operation) {
  std::set<std::string> out;
  const auto* security = operation.as_object().if_contains("security");
  if (security == nullptr) return {"(missing)"};
  for (const auto& requirement : security->as_array()) {
    std::set<std::string> names;
    for (const auto& kv : requirement.as_object()) names.emplace(kv.key());
    std::string joined;
    for (const auto& n : names) joined += (joined.empty() ? "" : "+") + n;
    out.insert(joined);
  }
  return out;
}

std::string joined(const std::set<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return "[" + out + "]";
}

TEST(OpenApi, SecuritySchemesAreWhatEachRouteReads) {
  const json::value doc = json::parse(api::openapi_json());
  const auto& paths = doc.at("paths").as_object();
  constexpr std::pair<api::MethodSet, const char*> kMethods[] = {{api::kMethodGet, "get"},
                                                                 {api::kMethodPost, "post"},
                                                                 {api::kMethodPut, "put"},
                                                                 {api::kMethodPatch, "patch"},
                                                                 {api::kMethodDelete, "delete"},
                                                                 {api::kMethodOptions, "options"}};
  std::string wrong;
  std::size_t checked = 0;
  for (const auto& route : route_table()) {
    const auto* item = paths.if_contains(openapi_path(route.spec.pattern));
    if (item == nullptr) continue;  // DescribesExactlyTheRoutesOfTheRouteTable reports it
    for (const auto& [bit, name] : kMethods) {
      const auto* operation = (route.spec.methods & bit) != 0 ? item->as_object().if_contains(name) : nullptr;
      if (operation == nullptr) continue;
      ++checked;
      const auto want = expected_security(route.spec, name);
      const auto have = document_security(*operation);
      if (want != have)
        wrong += "  " + std::string(name) + " " + std::string(route.spec.pattern) + ": " + joined(have) +
                 ", should be " + joined(want) + "\n";
    }
  }
  EXPECT_GT(checked, 50u);
  EXPECT_TRUE(wrong.empty()) << "security in src/api/openapi.json differs from what admission reads:\n" << wrong;
}

}  // namespace
}  // namespace aisbf
