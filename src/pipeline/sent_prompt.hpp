// usage.effective_context: one attempt's prompt as it went upstream (the
// condensed request when condensation ran), with the chat rule in the
// upstream model's encoding. Every answered request reports it, so counting
// stays off the critical path: a prompt the job counted already (token
// windows, quotas, condensation) costs nothing; a small one is counted on
// first need, after the upstream answered; a large one (past
// kPoolCountBytes) is counted on the CountPool while the upstream works,
// and awaited only where the figure is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "context/token_count.hpp"
#include "pipeline/prompt_tokens.hpp"

namespace aisbf {

struct ChatJob;
struct RequestContext;

// A count of this many body bytes (~1 ms and more on the event loop) goes
// to the pool.
inline constexpr std::size_t kPoolCountBytes = 64 * 1024;

// One attempt's figure. Lives in the attempt's frame; the pool's work holds
// its own copy of the prompt, so the attempt may end before it does, and
// the job keeps the count under way, so that a failover awaits it.
class SentPrompt {
 public:
  // `upstream_model` outlives the attempt (the candidate's).
  SentPrompt(ChatJob& job, RequestContext& ctx, std::string_view upstream_model);
  ~SentPrompt();
  SentPrompt(const SentPrompt&) = delete;
  SentPrompt& operator=(const SentPrompt&) = delete;

  // A condensed request: its count was made by condensation.
  void set_counted(std::int64_t tokens) { value_ = tokens; }
  // Starts a large prompt's count on the pool, when the answer or the usage
  // row will want it (`answer_has_usage`: the answer carries a usage object);
  // a small one waits for value(). Before the upstream call: posting costs
  // the event loop a copy of the prompt, not its count. `executor`: the
  // attempt's, where the result comes back.
  void start(bool answer_has_usage, const boost::asio::any_io_executor& executor);
  // The figure, counted now when it was not (nullopt: no tokenizer).
  boost::asio::awaitable<std::optional<std::int64_t>> value();
  // Whether anyone reads the figure: false once start() learnt that the
  // answer shows no usage and the tap notes nothing (then a translated
  // answer's usage goes without it, and nothing is counted for it).
  bool wanted() const { return wanted_; }
  // The figure when value() found one (nothing is counted here).
  std::optional<std::int64_t> counted() const { return value_ && *value_ > 0 ? value_ : std::nullopt; }
  // value() into the usage tap, for the row and the quota's settlement,
  // when the tap is noting; nothing is counted otherwise.
  boost::asio::awaitable<void> note();

 private:
  std::int64_t count_here();
  ChatJob& job_;
  RequestContext& ctx_;
  std::string_view upstream_model_;  // the candidate's: outlives the attempt
  context::Encoding encoding_;
  std::optional<std::int64_t> value_;
  bool wanted_ = true;
  std::shared_ptr<PoolResult<std::int64_t>> pending_;  // a count on the pool (the job's)
};

// The tokens of a plain text in `encoding` (0: no tokenizer): on the
// CountPool when it is past kPoolCountBytes and the pool has room, else
// here.
boost::asio::awaitable<std::int64_t> count_text_off_loop(RequestContext& ctx, std::string text,
                                                         context::Encoding encoding);

// Prompts counted on the CountPool so far: a counter, as metrics are, that
// shows which requests went there (chat_call_test.cpp).
std::uint64_t pooled_prompt_counts();

}  // namespace aisbf
