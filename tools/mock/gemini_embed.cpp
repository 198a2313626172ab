// Gemini's POST …/models/{model}:batchEmbedContents and :embedContent for
// aisbf-mock (https://ai.google.dev/api/embeddings): a batch is
// {"requests":[EmbedContentRequest…]} in, {"embeddings":[{"values":[…]}…]}
// out, one embedding per request in the requests' order; embedContent is
// one EmbedContentRequest in (its `model` optional: the path names it),
// {"embedding":{"values":[…]}} out. Errors are Gemini's (gemini_error).
#include <string>

#include "chat_common.hpp"
#include "embed.hpp"
#include "gemini.hpp"

namespace aisbf_mock {
namespace json = boost::json;
namespace {

// The API's limit (the 400 below is what it answers above it).
constexpr std::size_t kMaxBatch = 100;

// Every part's text, joined with "\n": the text one EmbedContentRequest embeds.
bool content_text(const json::object& request, std::string& text) {
  const json::object* content = object_at(request, "content");
  const json::array* parts = content != nullptr ? array_at(*content, "parts") : nullptr;
  if (parts == nullptr) return false;
  bool any = false;
  for (const auto& part : *parts) {
    const json::object* p = part.if_object();
    const json::value* t = p != nullptr ? p->if_contains("text") : nullptr;
    if (t == nullptr || !t->is_string()) continue;
    if (any) text.push_back('\n');
    text += t->get_string();
    any = true;
  }
  return any;
}

// "* <where><field>: <what>" as a 400; `where` is
// "BatchEmbedContentsRequest.requests[i]." or "EmbedContentRequest.".
void bad_request(Plan& plan, std::string_view where, std::string_view field, std::string_view what) {
  gemini_error(plan, 400, "INVALID_ARGUMENT",
               "* " + std::string(where) + std::string(field) + ": " + std::string(what) + "\n");
}

// The TaskType enum (https://ai.google.dev/api/embeddings#tasktype).
bool known_task_type(std::string_view t) {
  for (std::string_view k :
       {"TASK_TYPE_UNSPECIFIED", "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION",
        "CLUSTERING", "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY"}) {
    if (t == k) return true;
  }
  return false;
}

// One EmbedContentRequest checked: its model names the path's (it may be
// absent when `model_optional`: embedContent's path names it), it has
// text, taskType (camelCase or snake_case) is a TaskType, and
// outputDimensionality is a positive integer when set (0 is unset, as in
// protobuf). `dims` is 0 when not set.
bool check_request(const json::value& item, std::string_view where, bool model_optional, std::string_view model,
                   std::string& text, std::int64_t& dims, Plan& plan) {
  const json::object* request = item.if_object();
  if (request == nullptr) {
    bad_request(plan, where, "content", "content is not specified");
    return false;
  }
  const std::string_view named = string_at(*request, "model");
  if (!named.empty() && !named.starts_with("models/")) {
    bad_request(plan, where, "model", "unexpected model name format");
    return false;
  }
  if ((named.empty() && !model_optional) || (!named.empty() && named.substr(7) != model)) {
    bad_request(plan, where, "model",
                "the model of each request must be the one in the URL, models/" + std::string(model));
    return false;
  }
  if (!content_text(*request, text)) {
    bad_request(plan, where, "content", "content is not specified");
    return false;
  }
  if (const json::value* t = either_at(*request, "taskType", "task_type"); t != nullptr && !t->is_null()) {
    if (!t->is_string() || !known_task_type(t->get_string())) {
      bad_request(plan, where, "task_type",
                  "invalid value (type.googleapis.com/google.ai.generativelanguage.v1beta.TaskType)");
      return false;
    }
  }
  dims = 0;
  if (const json::value* d = either_at(*request, "outputDimensionality", "output_dimensionality");
      d != nullptr && !d->is_null()) {
    if (!d->is_int64() || d->get_int64() < 0 || d->get_int64() > 65536) {
      bad_request(plan, where, "output_dimensionality", "must be an integer between 0 and 65536");
      return false;
    }
    dims = d->get_int64();
  }
  return true;
}

// The vector of `text` as Gemini gives it: "excessive values in the output
// embedding are truncated from the end".
void values_of(std::string_view model, const std::string& text, std::int64_t dims, std::string& out) {
  std::vector<float> v;
  text_embedding(model, text, default_embedding_dimensions(model), v);
  if (dims > 0 && static_cast<std::size_t>(dims) < v.size()) v.resize(static_cast<std::size_t>(dims));
  out += "{\"values\":";
  append_float_array(out, v);
  out.push_back('}');
}

}  // namespace

void gemini_batch_embed(const json::object& body, std::string_view model, Fault fault, Plan& plan) {
  const json::array* requests = array_at(body, "requests");
  if (requests == nullptr || requests->empty()) {
    gemini_error(plan, 400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests: requests is not specified\n");
    return;
  }
  if (requests->size() > kMaxBatch) {
    gemini_error(plan, 400, "INVALID_ARGUMENT",
                 "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch\n");
    return;
  }
  std::vector<std::string> texts(requests->size());
  std::vector<std::int64_t> dims(requests->size());
  for (std::size_t i = 0; i < requests->size(); ++i) {
    const std::string where = "BatchEmbedContentsRequest.requests[" + std::to_string(i) + "].";
    if (!check_request((*requests)[i], where, false, model, texts[i], dims[i], plan)) return;
  }
  if (fault.kind == FaultKind::stream_error) {
    gemini_error(plan, 500, "INTERNAL", "mock mid-stream failure");
    return;
  }
  plan.body = "{\"embeddings\":[";
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (i != 0) plan.body.push_back(',');
    values_of(model, texts[i], dims[i], plan.body);
  }
  plan.body += "]}";
  apply_delivery_fault(fault, plan);
}

void gemini_embed(const json::object& body, std::string_view model, Fault fault, Plan& plan) {
  std::string text;
  std::int64_t dims = 0;
  if (!check_request(json::value(body), "EmbedContentRequest.", true, model, text, dims, plan)) return;
  if (fault.kind == FaultKind::stream_error) {
    gemini_error(plan, 500, "INTERNAL", "mock mid-stream failure");
    return;
  }
  plan.body = "{\"embedding\":";
  values_of(model, text, dims, plan.body);
  plan.body += "}";
  apply_delivery_fault(fault, plan);
}

}  // namespace aisbf_mock
