// Stored Responses, the pure part: the state fields a request names, the
// body a continuation becomes, the input items kept (each with an id), the
// finished response found in an answer, and the input_items pages.
#include "api/openai/responses_history.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace aisbf::api {
namespace {

namespace json = boost::json;

json::value parsed(std::string_view text) { return json::parse(text); }

constexpr std::string_view kStoredInput =
    R"([{"id":"msg_1","type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}])";
constexpr std::string_view kStoredResponse =
    R"({"id":"resp_1","object":"response","status":"completed","instructions":"be brief","output":[)"
    R"({"id":"fc_1","type":"function_call","call_id":"call_1","name":"f","arguments":"{}","status":"completed"}]})";

TEST(ResponsesHistory, AContinuationHoldsTheStoredConversationThenTheNewInput) {
  auto body = expand_previous_response(
      R"({"model":"m","previous_response_id":"resp_1","input":[{"type":"function_call_output","call_id":"call_1","output":"42"}],"stream":true})",
      {kStoredInput, kStoredResponse}, 1 << 20);
  ASSERT_TRUE(static_cast<bool>(body)) << body.error().message;
  auto root = parsed(*body).as_object();
  EXPECT_FALSE(root.contains("previous_response_id"));
  EXPECT_FALSE(root.contains("instructions"));  // OpenAI does not carry them over
  EXPECT_EQ(root.at("stream"), true);
  const auto& input = root.at("input").as_array();
  ASSERT_EQ(input.size(), 3u);
  EXPECT_EQ(input[0].at("id"), "msg_1");
  EXPECT_EQ(input[1].at("type"), "function_call");
  EXPECT_EQ(input[1].at("call_id"), "call_1");
  EXPECT_EQ(input[2].at("type"), "function_call_output");
}

TEST(ResponsesHistory, AContinuedReasoningItemKeepsItsStateButNotItsId) {
  constexpr std::string_view kReasoned =
      R"({"id":"resp_2","object":"response","status":"completed","output":[)"
      R"({"id":"rs_1","type":"reasoning","summary":[],"encrypted_content":"gAAA"},)"
      R"({"id":"msg_2","type":"message","role":"assistant","content":[{"type":"output_text","text":"ok"}]}]})";
  auto body = expand_previous_response(R"({"model":"m","previous_response_id":"resp_2","input":"next"})",
                                       {kStoredInput, kReasoned}, 1 << 20);
  ASSERT_TRUE(static_cast<bool>(body)) << body.error().message;
  const json::value root = parsed(*body);
  const auto& input = root.at("input").as_array();
  ASSERT_EQ(input.size(), 4u);
  EXPECT_FALSE(input[1].as_object().contains("id"));  // store:false upstreams refuse it as not found
  EXPECT_EQ(input[1].at("encrypted_content"), "gAAA");
  EXPECT_EQ(input[2].at("id"), "msg_2");
}

TEST(ResponsesHistory, AStringInputBecomesAUserMessageAndOwnInstructionsStay) {
  auto body = expand_previous_response(R"({"model":"m","previous_response_id":"resp_1","input":"and then?","instructions":"new"})",
                                       {kStoredInput, kStoredResponse}, 1 << 20);
  ASSERT_TRUE(static_cast<bool>(body));
  auto root = parsed(*body).as_object();
  EXPECT_EQ(root.at("instructions"), "new");
  const auto& input = root.at("input").as_array();
  ASSERT_EQ(input.size(), 3u);
  EXPECT_EQ(input[2].at("role"), "user");
  EXPECT_EQ(input[2].at("content").as_array()[0].at("text"), "and then?");
}

TEST(ResponsesHistory, AContinuationIsBoundedAndChecked) {
  const std::string request = R"({"model":"m","previous_response_id":"resp_1","input":"x"})";
  auto big = expand_previous_response(request, {kStoredInput, kStoredResponse}, 100);
  ASSERT_FALSE(static_cast<bool>(big));
  EXPECT_EQ(big.error().status, 413);
  EXPECT_EQ(big.error().param, "previous_response_id");
  auto bad_input = expand_previous_response(R"({"model":"m","previous_response_id":"resp_1","input":7})",
                                            {kStoredInput, kStoredResponse}, 1 << 20);
  ASSERT_FALSE(static_cast<bool>(bad_input));
  EXPECT_EQ(bad_input.error().param, "input");
  auto broken = expand_previous_response(request, {"{", kStoredResponse}, 1 << 20);
  ASSERT_FALSE(static_cast<bool>(broken));
  EXPECT_EQ(broken.error().status, 500);
}

TEST(ResponsesHistory, InputItemsAreKeptWithIds) {
  auto one = input_items_to_store(R"({"model":"m","input":"hello"})");
  ASSERT_TRUE(one.has_value());
  auto items = parsed(*one).as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("type"), "message");
  EXPECT_EQ(items[0].at("role"), "user");
  EXPECT_EQ(items[0].at("content").as_array()[0].at("type"), "input_text");
  EXPECT_TRUE(items[0].at("id").as_string().starts_with("msg_"));

  auto many = input_items_to_store(
      R"({"input":[{"role":"assistant","content":"a"},{"type":"message","role":"user","content":"b","id":"mine"},)"
      R"({"type":"function_call","call_id":"c","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":"o"},)"
      R"({"type":"reasoning","summary":[]}]})");
  ASSERT_TRUE(many.has_value());
  items = parsed(*many).as_array();
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[0].at("type"), "message");
  EXPECT_EQ(items[0].at("content").as_array()[0].at("type"), "output_text");
  EXPECT_EQ(items[1].at("id"), "mine");
  EXPECT_TRUE(items[2].at("id").as_string().starts_with("fc_"));
  EXPECT_TRUE(items[3].at("id").as_string().starts_with("fco_"));
  EXPECT_TRUE(items[4].at("id").as_string().starts_with("rs_"));
  EXPECT_NE(items[0].at("id"), items[2].at("id"));

  EXPECT_FALSE(input_items_to_store(R"({"model":"m"})").has_value());
  EXPECT_FALSE(input_items_to_store("not json").has_value());
}

TEST(ResponsesHistory, FindsOnlyFinishedResponses) {
  auto done = final_response(R"( {"id":"resp_9","object":"response","status":"completed","output":[]} )");
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->id, "resp_9");
  EXPECT_EQ(done->json, R"({"id":"resp_9","object":"response","status":"completed","output":[]})");
  EXPECT_TRUE(final_response(R"({"id":"resp_9","object":"response","status":"incomplete"})").has_value());
  EXPECT_FALSE(final_response(R"({"id":"resp_9","object":"response","status":"failed"})").has_value());
  EXPECT_FALSE(final_response(R"({"id":"resp_9","object":"chat.completion","status":"completed"})").has_value());
  EXPECT_FALSE(final_response(R"({"id":"bad id!","object":"response","status":"completed"})").has_value());
  EXPECT_FALSE(final_response(R"({"error":{"message":"x"}})").has_value());
  EXPECT_FALSE(final_response(R"({"id":"resp_9","object":"response","status":"completed")").has_value());  // cut
  EXPECT_FALSE(final_response(R"({"id":"resp_9","object":"response","status":"completed"} x)").has_value());
  // Escaped keys are read; only the top level counts.
  EXPECT_TRUE(final_response(R"({"i\u0064":"resp_9","obj\u0065ct":"response","status":"completed"})").has_value());
  EXPECT_FALSE(final_response(R"({"x":{"id":"resp_9","object":"response","status":"completed"}})").has_value());

  const std::string event =
      R"({"type":"response.completed","sequence_number":9,"response":{"id":"resp_e","object":"response","status":"completed"}})";
  auto got = final_response_of_event("response.completed", event);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->json, R"({"id":"resp_e","object":"response","status":"completed"})");
  EXPECT_TRUE(final_response_of_event("", event).has_value());  // no event line: named by its type
  EXPECT_FALSE(final_response_of_event("response.output_text.delta", event).has_value());
  EXPECT_FALSE(final_response_of_event("response.completed", R"({"type":"response.created","response":{}})").has_value());
}

std::string items_json(int n) {
  std::string out = "[";
  for (int i = 1; i <= n; ++i) out += (i > 1 ? "," : "") + std::string(R"({"id":"i)") + std::to_string(i) + R"("})";
  return out + "]";
}

std::vector<std::string> ids_of(const std::string& page, bool* has_more = nullptr) {
  auto v = parsed(page).as_object();
  EXPECT_EQ(v.at("object"), "list");
  if (has_more) *has_more = v.at("has_more").as_bool();
  std::vector<std::string> out;
  for (const auto& item : v.at("data").as_array()) out.emplace_back(item.at("id").as_string());
  if (!out.empty()) {
    EXPECT_EQ(v.at("first_id").as_string(), out.front());
    EXPECT_EQ(v.at("last_id").as_string(), out.back());
  }
  return out;
}

TEST(ResponsesHistory, InputItemPages) {
  const std::string all = items_json(5);
  bool more = false;
  // Default: newest first, 20 a page.
  EXPECT_EQ(ids_of(input_items_page(all, {}), &more), (std::vector<std::string>{"i5", "i4", "i3", "i2", "i1"}));
  EXPECT_FALSE(more);
  InputItemsQuery q;
  q.limit = 2;
  q.ascending = true;
  EXPECT_EQ(ids_of(input_items_page(all, q), &more), (std::vector<std::string>{"i1", "i2"}));
  EXPECT_TRUE(more);
  q.after = "i2";
  EXPECT_EQ(ids_of(input_items_page(all, q), &more), (std::vector<std::string>{"i3", "i4"}));
  EXPECT_TRUE(more);
  q.after = "i4";
  EXPECT_EQ(ids_of(input_items_page(all, q), &more), (std::vector<std::string>{"i5"}));
  EXPECT_FALSE(more);
  q.after = "nowhere";
  EXPECT_TRUE(ids_of(input_items_page(all, q), &more).empty());
  InputItemsQuery before;
  before.limit = 2;
  before.before = "i2";  // desc: i5 i4 i3 | i2 i1
  EXPECT_EQ(ids_of(input_items_page(all, before)), (std::vector<std::string>{"i4", "i3"}));
  // An unknown `before` lists nothing, as an unknown `after` does.
  before.before = "nowhere";
  EXPECT_TRUE(ids_of(input_items_page(all, before), &more).empty());
  EXPECT_FALSE(more);
}

TEST(ResponsesHistory, ParsesTheListQuery) {
  auto q = parse_input_items_query("/v1/responses/r/input_items?limit=3&order=asc&after=i2");
  ASSERT_TRUE(static_cast<bool>(q));
  EXPECT_EQ(q->limit, 3u);
  EXPECT_TRUE(q->ascending);
  EXPECT_EQ(q->after, "i2");
  auto d = parse_input_items_query("/v1/responses/r/input_items");
  ASSERT_TRUE(static_cast<bool>(d));
  EXPECT_EQ(d->limit, 20u);
  EXPECT_FALSE(d->ascending);
  for (const char* bad : {"?limit=0", "?limit=101", "?limit=x", "?order=up"}) {
    auto e = parse_input_items_query(std::string("/v1/responses/r/input_items") + bad);
    ASSERT_FALSE(static_cast<bool>(e)) << bad;
    EXPECT_EQ(e.error().status, 400);
  }
}

TEST(ResponsesHistory, ErrorsAndIds) {
  auto previous = previous_response_not_found("resp_x");
  EXPECT_EQ(previous.status, 400);
  EXPECT_EQ(previous.code, "previous_response_not_found");
  EXPECT_EQ(previous.param, "previous_response_id");
  EXPECT_EQ(previous.message, "Previous response with id 'resp_x' not found.");
  EXPECT_EQ(response_not_found("resp_x").status, 404);
  EXPECT_EQ(parsed(deleted_response_json("resp_x")),
            parsed(R"({"id":"resp_x","object":"response","deleted":true})"));
  EXPECT_TRUE(plausible_response_id("resp_abc-1.2"));
  EXPECT_FALSE(plausible_response_id(""));
  EXPECT_FALSE(plausible_response_id("resp/../x"));
  EXPECT_FALSE(plausible_response_id(std::string(129, 'a')));
}

}  // namespace
}  // namespace aisbf::api
