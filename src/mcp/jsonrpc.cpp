#include "mcp/jsonrpc.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace aisbf::mcp {

namespace json = boost::json;

namespace {

Message invalid(json::value id, std::string problem) {
  Message m;
  m.kind = Message::Kind::invalid;
  m.id = std::move(id);
  m.problem = std::move(problem);
  return m;
}

// MCP: a string or an integer, never null (JSON-RPC's null id is refused).
bool usable_id(const json::value& id) { return id.is_string() || id.is_int64() || id.is_uint64(); }

}  // namespace

Message parse_message(const json::value& value) {
  const json::object* obj = value.if_object();
  if (obj == nullptr) return invalid(nullptr, "a JSON-RPC message must be an object");
  const json::value* id = obj->if_contains("id");
  json::value id_value = id != nullptr && usable_id(*id) ? *id : json::value(nullptr);
  const json::value* version = obj->if_contains("jsonrpc");
  if (version == nullptr || !version->is_string() || version->as_string() != "2.0")
    return invalid(std::move(id_value), "\"jsonrpc\" must be \"2.0\"");
  if (id != nullptr && !usable_id(*id)) return invalid(nullptr, "\"id\" must be a string or an integer");
  const json::value* method = obj->if_contains("method");
  if (method == nullptr) {
    if (id != nullptr && (obj->contains("result") || obj->contains("error"))) {
      Message m;
      m.kind = Message::Kind::response;
      m.id = std::move(id_value);
      return m;
    }
    return invalid(std::move(id_value), "a request needs \"method\"");
  }
  if (!method->is_string()) return invalid(std::move(id_value), "\"method\" must be a string");
  Message m;
  m.method = std::string(method->as_string());
  if (const json::value* params = obj->if_contains("params")) {
    if (!params->is_object()) return invalid(std::move(id_value), "\"params\" must be an object");
    m.params = params->as_object();
  }
  m.kind = id != nullptr ? Message::Kind::request : Message::Kind::notification;
  m.id = std::move(id_value);
  return m;
}

Incoming parse_body(std::string_view body) {
  Incoming in;
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec) {
    in.parse_failed = true;
    return in;
  }
  if (const json::array* batch = root.if_array()) {
    in.batch = true;
    if (batch->empty()) {
      in.batch = false;  // answered as one invalid request, not as an empty batch
      in.messages.push_back(invalid(nullptr, "an empty batch is not a request"));
      return in;
    }
    if (batch->size() > kMaxBatch) {
      // Every answer of a batch is held until the last: a bound on the
      // messages is a bound on what one POST can make the server hold.
      in.batch = false;
      in.messages.push_back(invalid(nullptr, "a batch holds at most " + std::to_string(kMaxBatch) + " messages"));
      return in;
    }
    in.messages.reserve(batch->size());
    for (const auto& v : *batch) in.messages.push_back(parse_message(v));
    return in;
  }
  in.messages.push_back(parse_message(root));
  return in;
}

std::string id_key(const json::value& id) { return json::serialize(id); }

json::object result_message(const json::value& id, json::value result) {
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json::object error_message(const json::value& id, int code, std::string_view text) {
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", json::object{{"code", code}, {"message", text}}}};
}

json::object notification_message(std::string_view method, json::object params) {
  return json::object{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

}  // namespace aisbf::mcp
