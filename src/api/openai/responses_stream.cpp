// Canonical stream events → Responses API SSE events (docs/responses-api.md):
// `response.created` and `response.in_progress`, then per output item
// `response.output_item.added`, its content part (`response.content_part.added`),
// deltas (`response.output_text.delta`, `response.reasoning_text.delta` or,
// for OpenAI's reasoning summaries, `response.reasoning_summary_part.added`
// and `response.reasoning_summary_text.delta`,
// `response.function_call_arguments.delta`), their `.done` events and
// `response.output_item.done`; last `response.completed` (or
// `response.incomplete`) with the whole response and its usage. Every event
// is `event: <type>` + `data: <json>` with a `sequence_number` counting from
// 0. Deltas are written by hand: the per-token path serialises only the new
// text.
#include <boost/json/serialize.hpp>

#include "api/openai/responses_ingress.hpp"
#include "api/openai/responses_internal.hpp"
#include "core/json_scan.hpp"

namespace aisbf::api::openai_responses {

namespace {

using openai_ingress::random_id;

// A reasoning item shows raw thinking (reasoning_text) or, from OpenAI, a summary.
enum class ItemKind { none, message, reasoning, summary, function_call };

class ResponsesStreamEncoder final : public StreamEncoder {
 public:
  explicit ResponsesStreamEncoder(const EgressContext& context) : context_(context) {}

  std::string on_event(const StreamEvent& event) override;
  std::string on_end(const std::optional<GatewayError>& error) override;

 private:
  void start(std::string& out);
  void emit(std::string& out, std::string_view type, json::object fields);
  void open_text_item(std::string& out, ItemKind kind);
  void open_part(std::string& out);
  void on_reasoning(std::string& out, const ReasoningDelta& reasoning);
  void open_call(std::string& out, const ToolCallDelta& delta);
  void write_delta(std::string& out, std::string_view type, std::string_view text, bool with_content_index);
  void close_item(std::string& out);
  json::object response_now(std::string_view status) const;

  EgressContext context_;
  std::string id_;
  std::int64_t created_ = 0;
  std::int64_t sequence_ = 0;
  bool started_ = false;
  bool ended_ = false;
  // The open output item.
  ItemKind open_ = ItemKind::none;
  std::string item_id_;
  std::string item_text_;  // its text or arguments so far
  bool part_open_ = false;  // its content or summary part was added
  ThinkingBlock thinking_;  // an open reasoning item's signature / encrypted_content
  ToolCallBlock call_;     // the open function call (id, name)
  int call_index_ = -1;    // its canonical index
  json::array output_;     // the finished items
  FinishReason finish_ = FinishReason::none;
  int split_chunks_ = 0;
  std::optional<Usage> usage_;
};

// One event, `event: <type>` + `data: <json>`, numbered from `sequence`.
void emit_event(std::string& out, std::int64_t& sequence, std::string_view type, json::object fields) {
  fields["type"] = type;
  fields["sequence_number"] = sequence++;
  out += "event: ";
  out += type;
  out += "\ndata: ";
  out += json::serialize(fields);
  out += "\n\n";
}

// A failure after the head: the API's flat `error` event, then
// `response.failed` with the error in `response` (the terminal event
// clients such as the SDK's ResponseStream and Codex CLI end on).
void emit_failure(std::string& out, std::int64_t& sequence, json::object response, const GatewayError& error) {
  std::string code = error.status == 429 ? "rate_limit_exceeded" : "server_error";
  if (!error.code.empty()) code = error.code;
  emit_event(out, sequence, "error", {{"code", code}, {"message", error.message}, {"param", nullptr}});
  response["status"] = "failed";
  response["error"] = {{"code", code}, {"message", error.message}};
  emit_event(out, sequence, "response.failed", {{"response", std::move(response)}});
}

void ResponsesStreamEncoder::emit(std::string& out, std::string_view type, json::object fields) {
  emit_event(out, sequence_, type, std::move(fields));
}

json::object ResponsesStreamEncoder::response_now(std::string_view status) const {
  json::object response = response_shell(id_, created_, context_.model, status);
  response["output"] = output_;
  return response;
}

void ResponsesStreamEncoder::start(std::string& out) {
  if (started_) return;
  started_ = true;
  if (id_.empty()) id_ = random_id("resp_", 48);
  if (created_ <= 0) created_ = openai_ingress::now_seconds();
  emit(out, "response.created", {{"response", response_now("in_progress")}});
  emit(out, "response.in_progress", {{"response", response_now("in_progress")}});
}

// A message with its one content part, or a reasoning item whose part (a
// summary or its raw text) is added with the first text.
void ResponsesStreamEncoder::open_text_item(std::string& out, ItemKind kind) {
  if (open_ == kind) return;
  close_item(out);
  open_ = kind;
  part_open_ = false;
  thinking_ = ThinkingBlock{};
  const bool message = kind == ItemKind::message;
  item_id_ = random_id(message ? "msg_" : "rs_", 48);
  json::object item = message ? message_item(item_id_, "", "in_progress") : reasoning_item(item_id_, {}, false);
  if (!message) item["status"] = "in_progress";
  emit(out, "response.output_item.added", {{"output_index", output_.size()}, {"item", std::move(item)}});
  if (message) open_part(out);
}

void ResponsesStreamEncoder::open_part(std::string& out) {
  if (part_open_) return;
  part_open_ = true;
  if (open_ == ItemKind::summary) {
    emit(out, "response.reasoning_summary_part.added",
         {{"item_id", item_id_}, {"output_index", output_.size()}, {"summary_index", 0},
          {"part", {{"type", "summary_text"}, {"text", ""}}}});
    return;
  }
  emit(out, "response.content_part.added",
       {{"item_id", item_id_},
        {"output_index", output_.size()},
        {"content_index", 0},
        {"part", text_part(open_ == ItemKind::message ? "output_text" : "reasoning_text", "")}});
}

// Reasoning text, or the opaque state that ends a reasoning item (its
// signature or encrypted_content, kept for the item's done event). More
// text after that state is the next reasoning item.
void ResponsesStreamEncoder::on_reasoning(std::string& out, const ReasoningDelta& reasoning) {
  const bool reasoning_open = open_ == ItemKind::reasoning || open_ == ItemKind::summary;
  const bool sealed = reasoning_open && (!thinking_.signature.empty() || !thinking_.encrypted_content.empty());
  if (!reasoning.text.empty()) {
    const ItemKind kind = reasoning.summary ? ItemKind::summary : ItemKind::reasoning;
    if (sealed) close_item(out);
    open_text_item(out, kind);
    open_part(out);
    write_delta(out, kind == ItemKind::summary ? "response.reasoning_summary_text.delta" : "response.reasoning_text.delta",
                reasoning.text, true);
  }
  if (reasoning.signature.empty() && reasoning.encrypted_content.empty()) return;
  // Opaque state of a kind the open item holds already is the next item's
  // (back-to-back reasoning items with an empty summary): each keeps its own.
  const bool reopen = (open_ == ItemKind::reasoning || open_ == ItemKind::summary) &&
                      ((!reasoning.signature.empty() && !thinking_.signature.empty()) ||
                       (!reasoning.encrypted_content.empty() && !thinking_.encrypted_content.empty()));
  if (reopen) close_item(out);
  if (open_ != ItemKind::reasoning && open_ != ItemKind::summary)
    open_text_item(out, reasoning.summary || !reasoning.encrypted_content.empty() ? ItemKind::summary : ItemKind::reasoning);
  if (!reasoning.signature.empty()) thinking_.signature = reasoning.signature;
  if (!reasoning.encrypted_content.empty()) thinking_.encrypted_content = reasoning.encrypted_content;
}

void ResponsesStreamEncoder::open_call(std::string& out, const ToolCallDelta& delta) {
  close_item(out);
  open_ = ItemKind::function_call;
  item_id_ = random_id("fc_", 48);
  call_index_ = delta.index;
  call_ = ToolCallBlock{delta.id.empty() ? random_id("call_", 24) : delta.id, delta.name, {}};
  emit(out, "response.output_item.added",
       {{"output_index", output_.size()}, {"item", function_call_item(item_id_, call_, "in_progress")}});
}

void ResponsesStreamEncoder::write_delta(std::string& out, std::string_view type, std::string_view text,
                                         bool with_content_index) {
  item_text_ += text;
  out += "event: ";
  out += type;
  out += R"(
data: {"type":")";
  out += type;
  out += R"(","sequence_number":)";
  out += std::to_string(sequence_++);
  out += R"(,"item_id":")";
  out += item_id_;  // our own [A-Za-z0-9_] id: nothing to escape
  out += R"(","output_index":)";
  out += std::to_string(output_.size());
  if (with_content_index) out += open_ == ItemKind::summary ? R"(,"summary_index":0)" : R"(,"content_index":0)";
  out += R"(,"delta":)";
  json_scan::append_encoded(out, text);
  if (type == "response.output_text.delta") out += R"(,"logprobs":[])";
  out += "}\n\n";
}

void ResponsesStreamEncoder::close_item(std::string& out) {
  if (open_ == ItemKind::none) return;
  const std::size_t index = output_.size();
  json::object item;
  if (open_ == ItemKind::function_call) {
    call_.arguments_json = item_text_.empty() ? "{}" : item_text_;
    emit(out, "response.function_call_arguments.done",
         {{"item_id", item_id_}, {"output_index", index}, {"name", call_.name}, {"arguments", call_.arguments_json}});
    item = function_call_item(item_id_, call_, "completed");
  } else if (open_ == ItemKind::message) {
    emit(out, "response.output_text.done",
         {{"item_id", item_id_}, {"output_index", index}, {"content_index", 0}, {"text", item_text_}, {"logprobs", json::array{}}});
    emit(out, "response.content_part.done",
         {{"item_id", item_id_}, {"output_index", index}, {"content_index", 0}, {"part", text_part("output_text", item_text_)}});
    item = message_item(item_id_, item_text_, "completed");
  } else {
    const bool summary = open_ == ItemKind::summary;
    if (part_open_ && summary) {
      emit(out, "response.reasoning_summary_text.done",
           {{"item_id", item_id_}, {"output_index", index}, {"summary_index", 0}, {"text", item_text_}});
      emit(out, "response.reasoning_summary_part.done",
           {{"item_id", item_id_}, {"output_index", index}, {"summary_index", 0},
            {"part", {{"type", "summary_text"}, {"text", item_text_}}}});
    } else if (part_open_) {
      emit(out, "response.reasoning_text.done",
           {{"item_id", item_id_}, {"output_index", index}, {"content_index", 0}, {"text", item_text_}});
      emit(out, "response.content_part.done",
           {{"item_id", item_id_}, {"output_index", index}, {"content_index", 0},
            {"part", text_part("reasoning_text", item_text_)}});
    }
    thinking_.text = item_text_;
    item = reasoning_item(item_id_, thinking_, summary);
    item["status"] = "completed";
  }
  emit(out, "response.output_item.done", {{"output_index", index}, {"item", item}});
  output_.push_back(std::move(item));
  open_ = ItemKind::none;
  item_text_.clear();
  call_index_ = -1;
}

std::string ResponsesStreamEncoder::on_event(const StreamEvent& event) {
  std::string out;
  if (ended_) return out;
  if (const auto* s = std::get_if<StreamStart>(&event)) {
    if (!started_) {
      id_ = response_id(s->id);
      created_ = s->created;
    }
    start(out);
    return out;
  }
  if (const auto* usage = std::get_if<UsageEvent>(&event)) {
    usage_ = usage->usage;
    return out;
  }
  if (const auto* finish = std::get_if<FinishEvent>(&event)) {
    finish_ = finish->reason;
    split_chunks_ = finish->split_chunks;
    return out;
  }
  start(out);
  if (const auto* text = std::get_if<TextDelta>(&event)) {
    if (text->text.empty()) return out;
    open_text_item(out, ItemKind::message);
    write_delta(out, "response.output_text.delta", text->text, true);
  } else if (const auto* reasoning = std::get_if<ReasoningDelta>(&event)) {
    on_reasoning(out, *reasoning);
  } else if (const auto* call = std::get_if<ToolCallDelta>(&event)) {
    if (open_ != ItemKind::function_call || call->index != call_index_) open_call(out, *call);
    if (!call->arguments.empty()) write_delta(out, "response.function_call_arguments.delta", call->arguments, false);
  }
  return out;
}

// A failure after the head: emit_failure.
std::string ResponsesStreamEncoder::on_end(const std::optional<GatewayError>& error) {
  std::string out;
  if (ended_) return out;
  start(out);
  ended_ = true;
  if (error) {
    json::object response = response_now("failed");
    if (usage_) response["usage"] = usage_object(*usage_);
    emit_failure(out, sequence_, std::move(response), *error);
    return out;
  }
  close_item(out);
  json::object response = response_now("completed");
  set_outcome(response, finish_);
  if (usage_) response["usage"] = usage_object(*usage_);
  if (split_chunks_ > 0) openai_ingress::add_split_marks(response, split_chunks_);
  const bool complete = response["status"] == "completed";
  emit(out, complete ? "response.completed" : "response.incomplete", {{"response", std::move(response)}});
  return out;
}

}  // namespace

std::unique_ptr<StreamEncoder> make_stream_encoder(const EgressContext& context) {
  return std::make_unique<ResponsesStreamEncoder>(context);
}

}  // namespace aisbf::api::openai_responses

namespace aisbf::api {

void RelayedResponsesStream::saw(std::string_view event_name, std::string_view data) {
  const std::int64_t index = events_++;
  if (index != 0 || event_name != "response.created") return;
  // The upstream's response id and model, read once from its first event.
  std::string_view response;
  json_scan::scan_object(data, [&](const json_scan::Member& m) {
    if (json_scan::key_equals(m, "response")) response = data.substr(m.value_begin, m.value_end - m.value_begin);
  });
  if (response.empty() || response.front() != '{') return;
  json_scan::scan_object(response, [&](const json_scan::Member& m) {
    const std::string_view value = response.substr(m.value_begin, m.value_end - m.value_begin);
    if (value.empty() || value.front() != '"') return;
    auto decoded = json_scan::decode_string(value);
    if (!decoded || decoded->size() > 256) return;
    if (json_scan::key_equals(m, "id")) id_ = std::move(*decoded);
    else if (json_scan::key_equals(m, "model")) model_ = std::move(*decoded);
  });
}

std::string RelayedResponsesStream::failure(const GatewayError& error) const {
  std::string out;
  std::int64_t sequence = events_;
  const std::string id = id_.empty() ? openai_ingress::random_id("resp_", 48) : id_;
  boost::json::object response = openai_responses::response_shell(id, openai_ingress::now_seconds(), model_, "failed");
  openai_responses::emit_failure(out, sequence, std::move(response), error);
  return out;
}

}  // namespace aisbf::api
