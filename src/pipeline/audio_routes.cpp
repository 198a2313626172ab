#include "pipeline/audio_routes.hpp"

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/openai/multipart_form.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/prepared_candidate.hpp"
#include "pipeline/request_deadline.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/user_views.hpp"
#include "providers/openai/openai_adapter.hpp"
#include "routing/resolve.hpp"
#include "routing/rotation.hpp"
#include "routing/user_config.hpp"

namespace aisbf::audio_routes {

namespace {

using boost::asio::awaitable;
using Status = api::MultipartRewriter::Status;

constexpr std::size_t kPiece = 64 * 1024;            // one read from the client, one chunk upstream
constexpr std::size_t kMaxErrorBytes = 1024 * 1024;  // an upstream's error body, read whole

// The OpenAI-compatible adapter serves audio; the others have no such API.
bool serves_audio(const PreparedCandidate& p) { return p.adapter != nullptr && p.adapter->type() == "openai"; }

GatewayError cannot_do(std::string_view model, std::string_view operation, const routing::Candidate& c) {
  return make_error(ErrorKind::invalid_request,
                    fmt::format("model '{}' cannot do {}: provider '{}' is of type '{}', and only OpenAI-compatible "
                                "providers serve /{} (Anthropic, Gemini and Ollama have no such API)",
                                model, operation, c.provider->id, c.provider->type, operation),
                    "unsupported_operation", "model");
}

// Prepared here, not from the per-thread cache: that one is keyed by the
// address of a table's own candidate, and these are copies.
struct Target {
  routing::Candidate candidate;
  PreparedCandidate prepared;
};

// The candidates of `model` (in `scope`) that can do `operation`: one for a
// provider model, a rotation's in its order. An autoselect is refused (it
// chooses by reading a chat prompt).
Expected<std::vector<Target>> audio_targets(const RequestContext& ctx, std::string_view scope, std::string_view model,
                                            std::string_view operation) {
  auto table = ctx.routes;
  const routing::Namespace ns{ctx.namespace_user, ctx.user_view.get()};
  auto r = routing::resolve_chat(table->config(), ns, scope, model);
  if (!r) return r.take_error();
  if (r->autoselect != nullptr)
    return make_error(
        ErrorKind::invalid_request,
        fmt::format("model '{}' is an autoselect, which cannot do {}: name a provider model or a rotation", model,
                    operation),
        "unsupported_operation", "model");
  if (r->in_user_view && ctx.user_view) table = ctx.user_view->routes;
  std::vector<routing::Candidate> candidates;
  if (r->rotation != nullptr) {
    if (const auto* plan = table->rotation(r->rotation->id)) candidates = plan->candidates;
  } else {
    std::optional<routing::Candidate> scratch;
    candidates.push_back(table->direct(r->target, scratch));
  }
  std::vector<Target> out;
  std::optional<GatewayError> first_refusal;
  for (auto& c : candidates) {
    auto p = prepare_candidate(c);
    if (p && serves_audio(*p)) {
      out.push_back({std::move(c), std::move(*p)});
    } else if (!first_refusal) {
      first_refusal = !p ? p.take_error() : cannot_do(model, operation, c);
    }
  }
  if (out.empty()) {
    if (first_refusal) return std::move(*first_refusal);
    return make_error(ErrorKind::not_found, fmt::format("model '{}' has no candidate", model), "model_not_found");
  }
  return out;
}

http::OutgoingRequest outgoing(const PreparedCandidate& p, std::string_view operation, std::string_view content_type) {
  http::OutgoingRequest out;
  out.target = p.endpoint->base_path + openai::operation_path(p.target, operation);
  out.headers = p.auth_headers;
  out.headers.emplace_back("Content-Type", std::string(content_type));
  out.headers.emplace_back("Accept", "*/*");
  out.headers.emplace_back("Accept-Encoding", "identity");
  out.headers.emplace_back("User-Agent", "aisbf/" AISBF_VERSION);
  return out;
}

// The upstream's answer to the client: an error status as an error in the
// client's format, else the body piece by piece with its content type.
awaitable<void> relay(http::Exchange& ex, RequestContext& ctx, http::UpstreamCall& call, const PreparedCandidate& p) {
  const int status = call.status();
  if (status < 200 || status >= 300) {
    auto body = co_await call.read_all(kMaxErrorBytes);
    const GatewayError e = body ? p.adapter->classify_error(status, *body, p.target) : body.take_error();
    co_return co_await send_error(ex, e, ctx);
  }
  std::string type = call.header("Content-Type");
  if (type.empty()) type = "application/octet-stream";
  const bool sse = type.starts_with("text/event-stream");
  ex.watch_disconnect([&call] { call.cancel(); });
  bool ok = co_await ex.begin_stream(status, type, answer_headers(ctx, sse));
  while (ok && !call.done()) {
    auto piece = co_await call.read_some();
    if (!piece) {  // cut: the client sees the body end without its last chunk
      ex.close_after_response();
      ex.stop_watch();
      co_return;
    }
    ok = co_await ex.stream_write(*piece);
  }
  ex.stop_watch();
  if (!ok) {
    call.cancel();
    co_return;
  }
  co_await ex.end_stream();
}

// The client's multipart body as the upstream's: read as it arrives, the
// `model` fields rewritten, one piece at a time.
class Upload final : public http::BodySource {
 public:
  Upload(http::BodyStream& body, std::string boundary)
      : body_(body), form_(std::move(boundary)), buffer_(std::make_unique<char[]>(kPiece)) {}

  // Reads up to the first `model` field; its value.
  awaitable<Expected<std::string>> read_model() {
    for (;;) {
      auto n = co_await body_.read_some({buffer_.get(), kPiece});
      if (!n) co_return n.take_error();
      const Status status = *n == 0 ? form_.finish() : form_.feed({buffer_.get(), *n}, out_);
      if (status == Status::need_model) co_return *form_.client_model();
      if (status == Status::failed) co_return form_error();
      if (*n == 0) co_return make_error(ErrorKind::invalid_request, "the form has no `model` field", "missing_model");
    }
  }

  // The upstream's name for the model: given before each attempt (until
  // the first piece is taken, another candidate may take the upload).
  void set_upstream_model(std::string_view model) { form_.set_upstream_model(std::string(model)); }

  awaitable<Expected<std::string_view>> next() override {
    out_.clear();
    if (!resumed_) {  // what was held up to the first model field
      resumed_ = true;
      if (form_.feed({}, out_) == Status::failed) co_return form_error();
    }
    while (out_.empty() && !ended_) {
      auto n = co_await body_.read_some({buffer_.get(), kPiece});
      if (!n) co_return n.take_error();
      if (*n == 0) {
        ended_ = true;
        if (form_.finish() == Status::failed) co_return form_error();
        break;
      }
      if (form_.feed({buffer_.get(), *n}, out_) == Status::failed) co_return form_error();
    }
    co_return std::string_view(out_);
  }

 private:
  GatewayError form_error() const {
    return make_error(ErrorKind::invalid_request, form_.error(), std::string(form_.error_code()));
  }

  http::BodyStream& body_;
  api::MultipartRewriter form_;
  std::unique_ptr<char[]> buffer_;
  std::string out_;
  bool resumed_ = false;
  bool ended_ = false;
};

awaitable<void> serve_upload(http::Exchange& ex, RequestContext& ctx, std::string_view scope,
                             std::string_view operation) {
  http::BodyStream* body = ex.body_stream();
  const std::string content_type(ex.request()[boost::beast::http::field::content_type]);
  if (body == nullptr)
    co_return co_await send_error(ex, make_error(ErrorKind::internal, "upload route without a body stream"), ctx);
  std::string boundary = api::multipart_boundary(content_type);
  if (boundary.empty())
    co_return co_await send_error(
        ex,
        make_error(ErrorKind::invalid_request, "multipart/form-data needs a boundary parameter (1 to 70 characters)",
                   "malformed_multipart"),
        ctx);
  Upload upload(*body, std::move(boundary));
  auto model = co_await upload.read_model();
  if (!model) co_return co_await send_error(ex, model.error(), ctx);
  if (names_user_target(ctx, scope, *model)) co_await ensure_user_view(ctx);
  auto targets = audio_targets(ctx, scope, *model, operation);
  if (!targets) co_return co_await send_error(ex, targets.error(), ctx);
  arm_deadline(ctx);
  std::optional<GatewayError> last;
  for (const auto& t : *targets) {
    upload.set_upstream_model(openai::body_model(t.prepared.target));
    auto out = outgoing(t.prepared, operation, content_type);
    out.source = &upload;
    http::UpstreamCall call(ex.upstream_pool(), *t.prepared.endpoint, within_deadline(t.candidate.timeouts, ctx),
                            t.candidate.provider->id);
    auto failed = co_await call.start(out);
    if (!failed) co_return co_await relay(ex, ctx, call, t.prepared);
    // Failover only while the upload is untouched.
    if (call.body_started() || !failed->retryable) co_return co_await send_error(ex, *failed, ctx);
    last = std::move(*failed);
  }
  co_await send_error(ex, last.value_or(make_error(ErrorKind::unavailable, "no candidate answered")), ctx);
}

}  // namespace

awaitable<void> transcriptions(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  return serve_upload(ex, ctx, m.param("scope"), "audio/transcriptions");
}

awaitable<void> translations(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  return serve_upload(ex, ctx, m.param("scope"), "audio/translations");
}

awaitable<void> image_edits(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  return serve_upload(ex, ctx, m.param("scope"), "images/edits");
}

awaitable<void> image_variations(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  return serve_upload(ex, ctx, m.param("scope"), "images/variations");
}

awaitable<void> speech(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  const std::string_view scope = m.param("scope");
  boost::system::error_code ec;
  auto doc = boost::json::parse(ex.request().body(), ec);
  boost::json::object* body = !ec && doc.is_object() ? &doc.as_object() : nullptr;
  const boost::json::value* model_field = body != nullptr ? body->if_contains("model") : nullptr;
  if (model_field == nullptr || !model_field->is_string())
    co_return co_await send_error(
        ex,
        make_error(ErrorKind::invalid_request,
                   body == nullptr ? "request body must be a JSON object" : "`model` (a string) is required",
                   "invalid_request_error", "model"),
        ctx);
  const std::string model(model_field->as_string());
  if (names_user_target(ctx, scope, model)) co_await ensure_user_view(ctx);
  auto targets = audio_targets(ctx, scope, model, "audio/speech");
  if (!targets) co_return co_await send_error(ex, targets.error(), ctx);
  arm_deadline(ctx);
  std::optional<GatewayError> last;
  for (std::size_t i = 0; i < targets->size(); ++i) {
    const auto& t = (*targets)[i];
    (*body)["model"] = openai::body_model(t.prepared.target);
    const std::string sent = boost::json::serialize(*body);
    auto out = outgoing(t.prepared, "audio/speech", "application/json");
    out.body = sent;
    http::UpstreamCall call(ex.upstream_pool(), *t.prepared.endpoint, within_deadline(t.candidate.timeouts, ctx),
                            t.candidate.provider->id);
    auto failed = co_await call.start(out);
    const bool more = i + 1 < targets->size();
    if (!failed && (call.status() / 100 == 2 || !more)) co_return co_await relay(ex, ctx, call, t.prepared);
    if (!failed) {  // an error status with another candidate left: fail over when it is retryable
      auto answer = co_await call.read_all(kMaxErrorBytes);
      failed =
          answer ? t.prepared.adapter->classify_error(call.status(), *answer, t.prepared.target) : answer.take_error();
    }
    if (!failed->retryable) co_return co_await send_error(ex, *failed, ctx);
    last = std::move(*failed);
  }
  co_await send_error(ex, last.value_or(make_error(ErrorKind::unavailable, "no candidate answered")), ctx);
}

}  // namespace aisbf::audio_routes
