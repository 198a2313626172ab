// Request splitting on the request path (AISBF's `max_request_tokens`), per
// attempt, after condensation: a request whose prompt is over the
// candidate's limit is split (context/request_split.hpp) and its chunks go
// in order to that candidate through the translated path, their answers
// joined by SplitOutput into one answer to the client. chat_attempt.cpp
// calls split_near for every attempt and, only when it says so, split_for_attempt.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "pipeline/chat_job.hpp"
#include "pipeline/prepared_candidate.hpp"
#include "routing/rotation.hpp"

namespace aisbf {

// Cheap and synchronous: false for a candidate without max_request_tokens,
// for an in-process call (never split: condensation's own calls among them)
// and for a request whose byte bound (condense_check.hpp) is within the
// limit. `condensed`: the request that would be sent instead of the job's.
bool split_near(const routing::Candidate& c, const ChatJob& job, const ChatRequest* condensed);

struct SplitDecision {
  std::vector<ChatRequest> chunks;         // empty: the request goes as it is
  std::vector<std::int64_t> chunk_tokens;  // each chunk's prompt (its usage.effective_context)
  std::optional<GatewayError> refusal;     // it cannot be split (a 400, nothing sent)
  std::int64_t prompt_tokens = 0;          // the whole request's count (0: no tokenizer)
};

// The exact count (the job's, shared with token windows and quotas) and,
// above the limit, the split with aisbf.json's overlap and max_chunks. A
// request past kPoolCountBytes is counted and split on the count pool (a
// megabyte is tens of milliseconds of tokenizing); the job keeps the
// decision, so a failover to the same limit and encoding reuses it. Never
// null; no chunks and no refusal: the request goes as it is (within the
// limit, undecodable, or no tokenizer).
boost::asio::awaitable<std::shared_ptr<const SplitDecision>> split_for_attempt(RequestContext& ctx,
                                                                              const routing::Candidate& c,
                                                                              ChatJob& job,
                                                                              const ChatRequest* condensed);

// Sends `chunks` in order to `c` and answers the client once. A failure
// before anything reached the client fails the attempt (another candidate
// may serve, from the first chunk); after that the stream ends with the
// format's error event. The client's disconnect cancels the chunks left.
// Each chunk's answer reports its own prompt as effective_context, and the
// combined answer and the usage row the sum over the chunks sent.
boost::asio::awaitable<RelayOutcome> serve_split(RequestContext& ctx, const PreparedCandidate& p,
                                                 const routing::Candidate& c, ChatJob& job,
                                                 std::shared_ptr<const SplitDecision> split);

}  // namespace aisbf
