// One chat request as the attempt loop sees it, whatever its source: an
// HTTP client in any format (its body may be forwarded as bytes), or an
// in-process call (a canonical request, always translated). Internal to
// pipeline/: chat_pipeline.hpp and chat_call.hpp are the public doors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/chat_types.hpp"
#include "core/gateway_error.hpp"
#include "http/exchange.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/chat_envelope.hpp"
#include "pipeline/condense_memo.hpp"
#include "pipeline/prompt_tokens.hpp"
#include "pipeline/relay.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/response_sink.hpp"
#include "pipeline/translate.hpp"
#include "routing/rotation.hpp"

namespace aisbf {

// Where a job's request comes from and its answer goes.
struct ChatIo {
  explicit ChatIo(http::UpstreamPool& upstream_pool) : pool(upstream_pool) {}
  http::UpstreamPool& pool;
  const http::Request* client = nullptr;  // HTTP: its body may be forwarded, a few of its headers too
  ResponseSink* sink = nullptr;           // HTTP: the answer in the client's format
  http::Exchange* exchange = nullptr;     // HTTP: watched, its disconnect cancels the request
  TranslatedOutput* canonical = nullptr;  // in process: the answer as canonical values
  std::optional<GatewayError> failure;    // in process: the final error (nothing is sent)
};

struct SplitDecision;  // split_attempt.hpp

// A split the job made (split_attempt.hpp), kept so that a failover to a
// candidate with the same limit and encoding does not make it again.
struct JobSplit {
  const ChatRequest* source = nullptr;  // the job's request, or a condensed one (both live as long as the job)
  std::int64_t limit = 0;
  context::Encoding encoding = context::Encoding::cl100k_base;
  std::shared_ptr<const SplitDecision> decision;
};

struct ChatJob {
  explicit ChatJob(ChatIo chat_io) : io(std::move(chat_io)) {}
  ChatIo io;
  std::string_view client_model;          // as the client named it (echoed, logged), in `envelope` or `canonical`
  bool stream = false;
  bool include_usage = false;
  const ChatEnvelope* envelope = nullptr;  // set: the body may be forwarded as bytes
  bool anthropic = false;                  // the client speaks Anthropic's format
  std::optional<ChatRequest> canonical;    // decoded once, when a candidate needs translation
  // A Responses request's built-in tool types the translation drops (set
  // with `canonical`), named in x-aisbf-dropped-tools by each attempt that
  // translates it (name_dropped_tools).
  std::vector<std::string> dropped_tools;
  PromptTokens prompt_tokens;              // counted when a figure is needed: job_prompt_tokens()
  bool condensable = true;                 // false: never condensed (condensation's own calls)
  std::unique_ptr<CondenseMemo> condense;  // made by the first attempt that condenses (condense_step.hpp)
  // Why the client's body cannot be translated, once found (decode_client_body):
  // every translating candidate would say the same.
  std::optional<GatewayError> decode_refusal;
  // Attempts refused for the request's size before any upstream call
  // (condensation could not make it fit, or it cannot be split), and the
  // latest refusal: when every attempt was, the client gets that 400.
  int size_refusals = 0;
  std::optional<GatewayError> size_refusal;
  std::vector<JobSplit> splits;            // a few at most: one per distinct limit and encoding tried
};

// Decodes the client's body into job.canonical (and job.dropped_tools for
// a Responses request); the decoding error (a 400) when it does not decode.
std::optional<GatewayError> decode_client_body(ChatJob& job, IngressFormat format);

// The request as canonical values, decoded from the client's body on first
// need and kept in job.canonical; null when the body does not decode.
const ChatRequest* decoded_request(ChatJob& job, const RequestContext& ctx);

// On the translating path: the dropped tool types in the attempt's
// x-aisbf-dropped-tools answer header.
void name_dropped_tools(const ChatJob& job, RequestContext& ctx);

// The prompt's tokens in `upstream_model`'s encoding, for token windows,
// quotas, condensation and a usage row without reported usage: counted on
// first need and kept (the request decoded by decoded_request).
std::int64_t job_prompt_tokens(ChatJob& job, const RequestContext& ctx, std::string_view upstream_model);

struct PreparedCandidate;

// The client's body goes to this upstream as it is (passthrough): it speaks
// the client's format, and nothing in the body or the upstream's limits
// (stream only, no output cap) asks for translation.
bool may_pass_through(const ChatJob& job, const ProviderAdapter& adapter, const UpstreamTarget& target,
                      BodyFormat client);

// The target of a translated request to `p` (condensed, or a split's
// chunk): for an Anthropic client to an Anthropic upstream, `p`'s target with
// the client's anthropic-version and anthropic-beta, as passthrough forwards
// them; nullopt (use p.target) otherwise.
std::optional<UpstreamTarget> with_client_protocol_headers(const PreparedCandidate& p, const ChatJob& job);

// The failover loop's rules (chat_loop.cpp), shared with the embeddings
// route: a failure another attempt of the same model may get past; an
// attempt cut by the request's deadline (its timeouts were clipped to it:
// it says nothing of its target); the target's verdict from an attempt
// (none for a client gone, a candidate that could not be used, a deadline
// cut, or a model the provider does not list: `listed` false); the 429 of
// a candidate the gateway's own limits skipped; a rotation's selection
// seed (routing.seed, else random).
bool transient_failure(const GatewayError& e);
bool cut_by_deadline(const RelayOutcome& outcome, const RequestContext& ctx);
class TargetGate;
void settle_attempt(TargetGate& gate, const RelayOutcome& outcome, const RequestContext& ctx, bool listed);
struct AttemptRecord;
GatewayError skipped_error(const AttemptRecord& record);
std::uint64_t selection_seed(RequestContext& ctx);
// A rotation's attempt at `c`, the `attempts`-th sent, starts: the answer
// names it (x-aisbf-target, x-aisbf-attempts). A failed attempt at `c` as
// the all-candidates-failed error lists it.
void name_rotation_attempt(RequestContext& ctx, const routing::Candidate& c, int attempts);
AttemptRecord failed_attempt(const routing::Candidate& c, const GatewayError& error, const TargetGate& gate);

// Resolves the job's model and runs it: one attempt for a direct target,
// the failover loop for a rotation. Errors are answered through job.io.
boost::asio::awaitable<void> run_chat_job(ChatJob& job, RequestContext& ctx, std::string_view scope);

// One attempt at candidate `c`: passthrough when the job allows it and the
// adapter accepts it, translation otherwise. `in_table`: `c` belongs to
// ctx.routes, so its preparation is cached with the table.
boost::asio::awaitable<RelayOutcome> attempt(RequestContext& ctx, const routing::Candidate& c, ChatJob& job,
                                             bool in_table);

}  // namespace aisbf
