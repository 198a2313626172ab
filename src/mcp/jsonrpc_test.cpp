#include "mcp/jsonrpc.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace aisbf::mcp {
namespace {

using Kind = Message::Kind;

TEST(McpJsonRpc, ARequestANotificationAndAResponse) {
  auto in = parse_body(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"x"}})");
  ASSERT_EQ(in.messages.size(), 1u);
  EXPECT_FALSE(in.batch);
  EXPECT_EQ(in.messages[0].kind, Kind::request);
  EXPECT_EQ(in.messages[0].method, "tools/list");
  EXPECT_EQ(in.messages[0].id.as_int64(), 7);
  EXPECT_EQ(in.messages[0].params.at("cursor").as_string(), "x");

  in = parse_body(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(in.messages[0].kind, Kind::notification);
  EXPECT_TRUE(in.messages[0].params.empty());

  in = parse_body(R"({"jsonrpc":"2.0","id":"a","result":{}})");
  EXPECT_EQ(in.messages[0].kind, Kind::response);
  EXPECT_EQ(in.messages[0].id.as_string(), "a");
}

TEST(McpJsonRpc, NotJsonIsAParseError) {
  EXPECT_TRUE(parse_body("{\"jsonrpc\":").parse_failed);
  EXPECT_TRUE(parse_body("").parse_failed);
}

TEST(McpJsonRpc, InvalidMessagesSayWhyAndKeepAReadableId) {
  struct Case {
    const char* body;
    const char* problem_part;
    bool has_id;
  };
  const Case cases[] = {
      {R"("hello")", "must be an object", false},
      {R"({"id":1,"method":"ping"})", "\"jsonrpc\" must be \"2.0\"", true},
      {R"({"jsonrpc":"1.0","id":1,"method":"ping"})", "\"jsonrpc\" must be \"2.0\"", true},
      {R"({"jsonrpc":"2.0","id":null,"method":"ping"})", "\"id\" must be a string or an integer", false},
      {R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", "\"id\" must be a string or an integer", false},
      {R"({"jsonrpc":"2.0","id":1,"method":3})", "\"method\" must be a string", true},
      {R"({"jsonrpc":"2.0","id":1,"method":"x","params":[1]})", "\"params\" must be an object", true},
      {R"({"jsonrpc":"2.0","id":1})", "needs \"method\"", true},
  };
  for (const auto& c : cases) {
    auto in = parse_body(c.body);
    ASSERT_EQ(in.messages.size(), 1u) << c.body;
    const auto& m = in.messages[0];
    EXPECT_EQ(m.kind, Kind::invalid) << c.body;
    EXPECT_NE(m.problem.find(c.problem_part), std::string::npos) << c.body << " → " << m.problem;
    EXPECT_EQ(!m.id.is_null(), c.has_id) << c.body;
  }
}

TEST(McpJsonRpc, BatchesKeepOrderAndAnEmptyOneIsInvalid) {
  auto in = parse_body(R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"n"},5])");
  EXPECT_TRUE(in.batch);
  ASSERT_EQ(in.messages.size(), 3u);
  EXPECT_EQ(in.messages[0].kind, Kind::request);
  EXPECT_EQ(in.messages[1].kind, Kind::notification);
  EXPECT_EQ(in.messages[2].kind, Kind::invalid);

  in = parse_body("[]");
  EXPECT_FALSE(in.batch);
  ASSERT_EQ(in.messages.size(), 1u);
  EXPECT_EQ(in.messages[0].kind, Kind::invalid);
}

TEST(McpJsonRpc, ABatchPastTheBoundIsOneInvalidRequest) {
  std::string body = "[";
  for (std::size_t i = 0; i <= kMaxBatch; ++i) {
    if (i > 0) body += ",";
    body += R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"method":"tools/list"})";
  }
  body += "]";
  const Incoming in = parse_body(body);
  EXPECT_FALSE(in.batch);
  ASSERT_EQ(in.messages.size(), 1u);
  EXPECT_EQ(in.messages[0].kind, Message::Kind::invalid);
  // At the bound, a batch.
  const std::string at_bound = body.substr(0, body.rfind(",{")) + "]";
  const Incoming ok = parse_body(at_bound);
  EXPECT_TRUE(ok.batch);
  EXPECT_EQ(ok.messages.size(), kMaxBatch);
}

TEST(McpJsonRpc, AnswersAreJsonRpc20) {
  EXPECT_EQ(boost::json::serialize(result_message(3, boost::json::object{})),
            R"({"jsonrpc":"2.0","id":3,"result":{}})");
  EXPECT_EQ(boost::json::serialize(error_message(nullptr, kParseError, "bad")),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}})");
  EXPECT_EQ(boost::json::serialize(notification_message("notifications/progress", {{"progress", 1}})),
            R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}})");
  EXPECT_EQ(kInvalidRequest, -32600);
  EXPECT_EQ(kMethodNotFound, -32601);
  EXPECT_EQ(kInvalidParams, -32602);
  EXPECT_EQ(kInternalError, -32603);
}

TEST(McpJsonRpc, IdKeysTellNumbersFromStrings) {
  EXPECT_NE(id_key(boost::json::value(1)), id_key(boost::json::value("1")));
  EXPECT_EQ(id_key(boost::json::value(1)), id_key(boost::json::parse("1")));
}

}  // namespace
}  // namespace aisbf::mcp
