// Quotas on the request path (limits/quotas.hpp): a chat request of a user
// with quotas reserves its estimate before its first upstream attempt and
// settles what it really used before the client gets its answer's last
// bytes, or, when it ends otherwise (cut by the client), when its context
// ends.
//
// The subjects are `user:<name>` (the user's quotas, for a user token or a
// session) and `token:<id>` (a user token's own), reserved in one decision.
// Global tokens, anonymous callers and users without quotas never reach the
// ledger: the principal carries the parsed specs (auth::Principal), and no
// quotas is two null pointers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/gateway_error.hpp"
#include "core/json_scan.hpp"
#include "core/usage_scan.hpp"
#include "limits/quotas.hpp"
#include "routing/pricing.hpp"

namespace aisbf {

namespace auth {
struct Principal;
}  // namespace auth
struct UsageTap;

// Tokens a request with no `max_tokens` is reserved for its answer.
inline constexpr std::int64_t kDefaultQuotaAnswerTokens = 1024;

class QuotaTap {
 public:
  QuotaTap() = default;
  // Movable with its context only before its request reserves (tests build
  // contexts by value); a held reservation is never copied: settled once.
  QuotaTap(QuotaTap&& other) noexcept
      : ledger(other.ledger),
        held_(std::move(other.held_)),
        side_(other.side_),
        side_attempt_(other.side_attempt_),
        deferring_(other.deferring_),
        deferred_(other.deferred_),
        usage_(other.usage_) {
    other.held_.keys.clear();
  }
  QuotaTap& operator=(QuotaTap&&) = delete;
  ~QuotaTap() { settle(); }

  // Set by App for every request: where quotas are counted.
  limits::QuotaLedger* ledger = nullptr;

  // Reserves the estimate for `body` at `prices` on the principal's quota
  // subjects; the refusal as a 429 in `quota_exceeded` terms. Once per request.
  // `prompt_tokens` counts the prompt, called only for a principal with
  // quotas. `usage` is where settle() reads the attempts and usage from; it
  // is told to note them even with recording off.
  std::optional<GatewayError> reserve(const auth::Principal& principal, std::string_view body,
                                      json_scan::FunctionRef<std::int64_t()> prompt_tokens,
                                      const std::optional<routing::ModelPrices>& prices, UsageTap& usage);
  // A request answered from the response cache (cache_step.cpp) costs
  // nothing: only the limits on how many requests (per minute, per day, at
  // once) may refuse it, and admitted it counts as one request at zero
  // tokens and cost, settled at once (it reaches no upstream; its answer is
  // in memory). A reservation held already (an autoselect's, made before
  // its choice) is settled the same way, at its side calls. The refusal as
  // reserve()'s.
  std::optional<GatewayError> admit_hit(const auth::Principal& principal);
  // Replaces the estimate with what the request used (its last attempt's
  // usage, zero when it failed); frees the concurrent slot. A request that
  // made no attempt is released: its request and estimate are given back.
  void settle();
  // The answer's last bytes are about to go out, `usage` its attempt's:
  // settles now rather than when the context ends, so that a client that
  // sends its next request the moment this one is answered finds its
  // concurrent slot free and this one's real usage counted. Called by the
  // relays before their final write (relay.cpp, translate.cpp).
  void settle_answered(const ScannedUsage& usage);
  // A call made on this request's behalf (its LLM condensation), at the
  // call's own prices: its tokens and cost are added to what the request
  // settles, on the same subjects. Never refused: the request was admitted
  // when it reserved, and refusing it half-way would lose it; a budget the
  // condensation exhausts refuses the principal's next request. No-op
  // without a held reservation (no quotas).
  void add_side_call(const ScannedUsage& usage, const std::optional<routing::ModelPrices>& prices);
  // The current attempt failed before the client saw anything, after some
  // of its upstream calls were answered (a split whose later chunk failed):
  // those tokens are spent whichever attempt serves next, so they are
  // charged as a side call. The usage tap keeps the same figures as this
  // attempt's usage (for its usage row); when the request settles on this
  // attempt, they are not counted a second time.
  void add_failed_attempt(const ScannedUsage& usage, const std::optional<routing::ModelPrices>& prices);
  // A split request's chunks (split_attempt.cpp). From defer_answered()
  // on, settle_answered adds each chunk's figures up (what it reported,
  // else its prompt as sent) instead of settling; settle_deferred() settles
  // their sum, just before the joined answer's last bytes go out, so that
  // the split keeps the promise settle_answered makes; drop_deferred()
  // stops adding up without settling (the attempt failed unseen:
  // add_failed_attempt charges it, or the context's settle() does).
  void defer_answered();
  void settle_deferred();
  void drop_deferred() { deferring_ = false; }

 private:
  limits::QuotaReservation held_;
  limits::QuotaAmount side_;  // the side calls' tokens and cost so far
  int side_attempt_ = 0;      // the attempt (UsageTap::attempts) add_failed_attempt charged; 0: none
  bool deferring_ = false;
  limits::QuotaAmount deferred_;  // the split's chunks so far
  const UsageTap* usage_ = nullptr;

  // An answer's figures: `usage` as reported, else its prompt as sent.
  limits::QuotaAmount answered(const ScannedUsage& usage) const;
  // Replaces the estimate with `attempt` plus the side calls.
  void settle_at(limits::QuotaAmount attempt);
};

// The request's estimate: its prompt tokens plus its `max_tokens` (or
// `max_completion_tokens`, else the default, read from `body`), at `prices`
// when priced.
limits::QuotaAmount quota_estimate(std::string_view body, std::int64_t prompt_tokens,
                                   const std::optional<routing::ModelPrices>& prices);

// 429, code "quota_exceeded", Retry-After, the message naming subject and quota.
GatewayError quota_error(const limits::QuotaRefusal& refusal);

}  // namespace aisbf
