// Legacy completions ↔ canonical (PROTOCOLS.md §1.7).
#include "api/openai/completions_ingress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>

#include "api/openai/ingress_common.hpp"
#include "api/openai_errors.hpp"
#include "core/json_scan.hpp"

namespace aisbf::api {

namespace {

using namespace openai_ingress;

constexpr std::int64_t kDefaultMaxTokens = 16;  // OpenAI's default for this endpoint

// Fields with a canonical slot or refused/dropped here. `logprobs` is an
// int in this format and a bool in chat, so it never goes on as an extension.
constexpr std::array<std::string_view, 11> kMappedFields{
    "model", "prompt", "suffix", "max_tokens", "temperature", "top_p", "stop", "stream", "echo", "logprobs", "best_of"};

bool is_mapped(std::string_view key) {
  return std::find(kMappedFields.begin(), kMappedFields.end(), key) != kMappedFields.end();
}

Status read_prompt(const json::object& root, std::string& out) {
  const json::value* prompt = member(root, "prompt");
  if (prompt == nullptr) return field_error("prompt", "required", "missing_field");
  if (prompt->is_string()) {
    out = std::string(prompt->get_string());
    return std::nullopt;
  }
  const auto* list = prompt->if_array();
  if (list == nullptr) return field_error("prompt", "expected a string or an array of strings", "invalid_type");
  if (list->empty()) return field_error("prompt", "must not be empty", "invalid_value");
  if (!std::all_of(list->begin(), list->end(), [](const json::value& v) { return v.is_string(); })) {
    return field_error("prompt", "token arrays are not supported; send the prompt as text", "unsupported_value");
  }
  if (list->size() > 1) return field_error("prompt", "only one prompt per request is supported", "unsupported_value");
  out = std::string(list->front().get_string());
  return std::nullopt;
}

// suffix, logprobs and best_of have no canonical slot: noted when they would change the answer.
Status read_unmapped(const json::object& root, DropLog& drops) {
  bool echo = false;
  if (auto e = read_bool(member(root, "echo"), "echo", echo)) return e;
  if (echo) return field_error("echo", "not supported (the prompt cannot be echoed back)", "unsupported_value");
  if (const json::value* suffix = member(root, "suffix");
      suffix != nullptr && !(suffix->is_string() && suffix->get_string().empty()))
    drops.add("suffix");
  std::optional<std::int64_t> logprobs, best_of;
  if (auto e = read_int(member(root, "logprobs"), "logprobs", logprobs)) return e;
  if (auto e = read_int(member(root, "best_of"), "best_of", best_of)) return e;
  if (logprobs && *logprobs > 0) drops.add("logprobs");
  if (best_of && *best_of > 1) drops.add("best_of");
  return std::nullopt;
}

Status decode_root(const json::object& root, ChatRequest& out, DropLog& drops) {
  if (member(root, "model") == nullptr) return field_error("model", "required", "missing_field");
  if (auto e = read_string(member(root, "model"), "model", out.model)) return e;
  if (out.model.empty()) return field_error("model", "must not be empty", "invalid_value");
  std::string prompt;
  if (auto e = read_prompt(root, prompt)) return e;
  Message message;
  message.role = Role::user;
  if (!prompt.empty()) message.content.emplace_back(TextBlock{std::move(prompt)});
  out.messages.push_back(std::move(message));
  if (auto e = read_unmapped(root, drops)) return e;
  if (auto e = read_int(member(root, "max_tokens"), "max_tokens", out.max_tokens)) return e;
  if (!out.max_tokens) out.max_tokens = kDefaultMaxTokens;
  if (*out.max_tokens < 1) return field_error("max_tokens", "must be at least 1", "invalid_value");
  if (auto e = read_sampling(root, out)) return e;
  for (const auto& field : root)
    if (!is_mapped(field.key())) out.extensions.emplace(field.key(), field.value());
  return std::nullopt;
}

// This format knows stop, length and content_filter only.
std::string_view completion_finish(FinishReason reason) {
  return reason == FinishReason::tool_calls ? "stop" : finish_reason_name(reason, false);
}

class CompletionsStreamEncoder final : public StreamEncoder {
 public:
  explicit CompletionsStreamEncoder(const EgressContext& context) : context_(context) {}

  std::string on_event(const StreamEvent& event) override;
  std::string on_end(const std::optional<GatewayError>& error) override;

 private:
  void start();
  void write_chunk(std::string& out, std::string_view text, std::string_view finish_reason = {},
                   std::string_view marks = {});

  EgressContext context_;
  std::string id_;
  std::int64_t created_ = 0;
  std::string prefix_;  // {"id":…,"object":"text_completion","created":…,"model":…,"choices":[
  std::optional<Usage> usage_;
  std::string split_marks_;  // a split request's, on the finish and usage chunks
  bool finished_ = false;
  bool ended_ = false;
};

void CompletionsStreamEncoder::start() {
  if (!prefix_.empty()) return;
  if (id_.empty()) id_ = random_id("cmpl-", 29);
  if (created_ <= 0) created_ = now_seconds();
  prefix_ = R"({"id":)";
  json_scan::append_encoded(prefix_, id_);
  prefix_ += R"(,"object":"text_completion","created":)" + std::to_string(created_) + R"(,"model":)";
  json_scan::append_encoded(prefix_, context_.model);
  prefix_ += R"(,"choices":[)";
}

void CompletionsStreamEncoder::write_chunk(std::string& out, std::string_view text, std::string_view finish_reason,
                                           std::string_view marks) {
  start();
  out += "data: " + prefix_ + R"({"text":)";
  json_scan::append_encoded(out, text);
  out += R"(,"index":0,"logprobs":null,"finish_reason":)";
  out += finish_reason.empty() ? std::string("null") : fmt::format("\"{}\"", finish_reason);
  out += context_.include_usage ? R"(}],"usage":null)" : "}]";
  out += marks;
  out += "}\n\n";
}

std::string CompletionsStreamEncoder::on_event(const StreamEvent& event) {
  std::string out;
  if (ended_) return out;
  if (const auto* first = std::get_if<StreamStart>(&event); first != nullptr && prefix_.empty()) {
    id_ = first->id;
    created_ = first->created;
  } else if (const auto* text = std::get_if<TextDelta>(&event); text != nullptr && !text->text.empty()) {
    write_chunk(out, text->text);
  } else if (const auto* finish = std::get_if<FinishEvent>(&event); finish != nullptr && !finished_) {
    finished_ = true;
    split_marks_ = split_marks_text(finish->split_chunks);
    write_chunk(out, "", completion_finish(finish->reason), split_marks_);
  } else if (const auto* usage = std::get_if<UsageEvent>(&event)) {
    usage_ = usage->usage;
  }
  return out;
}

std::string CompletionsStreamEncoder::on_end(const std::optional<GatewayError>& error) {
  std::string out;
  if (ended_) return out;
  ended_ = true;
  if (error) return openai_error_event(*error);
  if (!finished_) write_chunk(out, "", "stop");
  if (context_.include_usage && usage_)
    out += "data: " + prefix_ + R"(],"usage":)" + json::serialize(usage_object(*usage_, false)) + split_marks_ +
           "}\n\n";
  out += "data: [DONE]\n\n";
  return out;
}

}  // namespace

Expected<ChatRequest> OpenAiCompletionsIngress::decode_request(std::string_view body) const {
  auto root = parse_request_object(body);
  if (!root) return root.take_error();
  ChatRequest out;
  DropLog drops;
  if (auto e = decode_root(*root, out, drops)) return *std::move(e);
  drops.flush("openai completions");
  return out;
}

std::string OpenAiCompletionsIngress::encode_response(const ChatResponse& response,
                                                      const EgressContext& context) const {
  std::string text;
  for (const auto& block : response.message.content)
    if (const auto* t = std::get_if<TextBlock>(&block)) text += t->text;
  json::object choice{{"text", std::move(text)},
                      {"index", 0},
                      {"logprobs", nullptr},
                      {"finish_reason", completion_finish(response.finish_reason)}};
  json::object out;
  out["id"] = response.id.empty() ? random_id("cmpl-", 29) : response.id;
  out["object"] = "text_completion";
  out["created"] = response.created > 0 ? response.created : now_seconds();
  out["model"] = context.model;
  out["choices"] = json::array{std::move(choice)};
  if (response.usage) out["usage"] = usage_object(*response.usage, false);
  if (response.split_chunks > 0) add_split_marks(out, response.split_chunks);
  return json::serialize(out);
}

std::unique_ptr<StreamEncoder> OpenAiCompletionsIngress::make_stream_encoder(const EgressContext& context) const {
  return std::make_unique<CompletionsStreamEncoder>(context);
}

std::string OpenAiCompletionsIngress::encode_error(const GatewayError& error) const { return openai_error_body(error); }

const IngressCodec& openai_completions_ingress() {
  static const OpenAiCompletionsIngress codec;
  return codec;
}

}  // namespace aisbf::api
