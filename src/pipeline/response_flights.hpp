// Single flight for the response cache (issue 12): identical concurrent
// misses in one namespace (one cache key) make one upstream call. The first
// leads; its answer, as its own client gets it, is recorded in the flight
// (that recording is what the cache keeps: one copy) and published as it
// grows, so that a streaming follower streams it as it arrives. A follower
// of a whole answer waits for the entry the leader makes of it (or its
// verdict) and is served from that.
//
// The table holds at most `max_flights`; past that a miss records alone
// (more upstream calls under a burst of distinct keys, never unbounded
// memory). Each recording holds at most `cap` bytes, and all of them
// together at most `budget` (a burst of long misses cannot hold
// max_flights × cap): past either, the answer is served, not kept.
// Followers may be on any worker (flight_waiters.hpp); with nobody
// waiting, the leader pays a mutex and an append per write: no post.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <atomic>

#include <boost/asio/awaitable.hpp>

#include "core/gateway_error.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/response_sink.hpp"

namespace aisbf {

class ResponseFlights {
 public:
  static constexpr std::size_t kMaxRecordedBytes = 16 * 1024 * 1024;  // a larger answer is served, not kept
  static constexpr std::size_t kRecordingBudget = 256 * 1024 * 1024;  // every recording in progress, together

  enum class Settled : std::uint8_t {
    open,     // the leader has not decided yet
    kept,     // the answer is in the cache: read it there
    dropped,  // not kept (failed, cut, too large, not worth keeping, its client left)
  };

  // What a follower sees of a flight at one moment.
  struct View {
    bool head = false;                  // the leader's answer has begun
    bool live = false;                  // as a 200 stream (not a whole answer, an error or a notifyerrors text)
    bool usage = false;                 // its stream carries usage (the leader's client asked for it)
    std::string bytes;                  // the stream's bytes past the follower's offset (live only)
    bool closed = false;                // no bytes will follow these
    bool overflow = false;              // the answer passed the cap: its bytes are gone
    std::optional<GatewayError> error;  // the leader's stream ended with this error
    std::string served_by;              // its x-aisbf-target ("provider/model"): who answered a rotation
    Settled settled = Settled::open;
    // The answer as a cache entry (cache/entry.hpp), once the leader has
    // made one of a complete answer worth keeping, before it stores it: a
    // follower is served from it without waiting for the store or reading
    // it back (and while the store is down or slow, without calling
    // upstream itself).
    std::shared_ptr<const std::string> entry;
  };

  struct Flight;

  // The leader's side. Dropped unsettled: dropped (a leader whose coroutine
  // ends early never leaves its followers asleep).
  class Lead {
   public:
    Lead(ResponseFlights* owner, std::string key, std::shared_ptr<Flight> flight);
    Lead(const Lead&) = delete;
    Lead& operator=(const Lead&) = delete;
    ~Lead();

    // What the leader's client gets, as it goes out (FlightSink). `shareable`:
    // a 200 answer from an upstream, which followers may take as theirs.
    void note_head(int status, std::string_view content_type, const HeaderList& headers, bool streamed, bool shareable);
    void note_bytes(std::string_view bytes);
    void note_end();  // delivered whole: the recording is complete
    void note_error(std::string_view error_event, const GatewayError& error);
    // The attempts are over: no more bytes.
    void close();
    // The recording. The leader's own reads need no lock: it is the only
    // writer, and reads once it has stopped writing (after close()).
    const RecordedResponse& recorded() const;
    // The answer as an entry (View::entry), before the store has it:
    // followers waiting, and requests that join until the verdict, are
    // served from it.
    void publish(std::shared_ptr<const std::string> entry);
    // The leader's verdict: followers still waiting without an entry read
    // the store (kept), or try on their own.
    void settle(Settled outcome);

   private:
    ResponseFlights* owner_;  // null: a recording nobody can join
    std::string key_;
    std::shared_ptr<Flight> flight_;
    bool settled_ = false;
  };

  // Exactly one of the two, or neither when the table is full.
  struct Joined {
    std::unique_ptr<Lead> lead;
    std::shared_ptr<Flight> follow;
  };

  // The bytes all recordings hold; shared with each flight, which gives
  // its bytes back when it goes (possibly after this table, at shutdown).
  struct Budget {
    explicit Budget(std::size_t bytes) : limit(bytes) {}
    const std::size_t limit;
    std::atomic<std::size_t> used{0};
  };

  explicit ResponseFlights(std::size_t max_flights = 4096, std::size_t cap = kMaxRecordedBytes,
                           std::size_t budget = kRecordingBudget)
      : max_flights_(max_flights), cap_(cap), budget_(std::make_shared<Budget>(budget)) {}

  // `usage`: the caller's stream would carry usage (used when it leads).
  Joined join(const std::string& key, bool usage);
  // A recording of the same kind that no one can join (the table is full,
  // or the request came after its leader had settled).
  std::unique_ptr<Lead> alone(bool usage) const;

  // Waits for news for a follower that has read `offset` bytes, until
  // `deadline` or until `cancel` fires (then nullopt). `live`: the follower
  // streams what arrives (news: bytes past offset, the end of the bytes, a
  // head it cannot follow live, the verdict); otherwise only the verdict.
  static boost::asio::awaitable<std::optional<View>> next(std::shared_ptr<Flight> flight, std::size_t offset, bool live,
                                                          std::chrono::steady_clock::time_point deadline,
                                                          CancelSlot& cancel);

  std::size_t size() const;
  // Bytes held by recordings now.
  std::size_t recorded_bytes() const { return budget_->used.load(std::memory_order_relaxed); }

 private:
  void forget(const std::string& key, const Flight* flight);

  std::size_t max_flights_;
  std::size_t cap_;
  std::shared_ptr<Budget> budget_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
};

// The leader's sink: forwards every call to the client's sink and notes it
// in the flight first (what the client gets is what followers get). Not a
// coroutine per call where the primary's awaitable can be handed over.
class FlightSink final : public ResponseSink {
 public:
  FlightSink(ResponseSink& primary, ResponseFlights::Lead& lead, const RequestContext& ctx)
      : primary_(primary), lead_(lead), ctx_(ctx) {}
  boost::asio::awaitable<bool> send(int status, std::string_view content_type, std::string_view body,
                                    const HeaderList& headers) override;
  boost::asio::awaitable<bool> begin_stream(int status, std::string_view content_type,
                                            const HeaderList& headers) override;
  boost::asio::awaitable<bool> write(std::string_view bytes) override;
  boost::asio::awaitable<bool> end() override;
  boost::asio::awaitable<bool> end_with_error(std::string_view error_event, const GatewayError& error) override;
  bool started() const override { return primary_.started(); }
  bool gone() const override { return primary_.gone(); }

 private:
  // A 200 from an upstream; not a notifyerrors text (its error is noted first).
  bool shareable(int status) const { return status == 200 && !ctx_.usage.error; }

  ResponseSink& primary_;
  ResponseFlights::Lead& lead_;
  const RequestContext& ctx_;
};

}  // namespace aisbf
