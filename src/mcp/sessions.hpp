// MCP sessions (Streamable HTTP's Mcp-Session-Id): the revision each one
// negotiated, whom it belongs to, when it was last used, and the requests
// in flight on it (so that notifications/cancelled, which arrives on
// another HTTP request, maybe on another worker thread, can stop one).
// Bounded: at most `max` sessions, and at most kMaxPerOwner for one
// owner; a session idle longer than `idle` is gone. A new session past an
// owner's share replaces that owner's least recently used one; one that
// would pass `max` does the same, or is refused when its owner has none:
// no caller can end another's sessions (or the calls running on them) by
// opening its own. Thread-safe; no I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace aisbf::mcp {

class Sessions {
 public:
  using Clock = std::chrono::steady_clock;

  struct Info {
    std::string revision;  // negotiated by initialize
    bool initialized = false;  // notifications/initialized came
  };

  Sessions(std::size_t max, Clock::duration idle) : max_(max), idle_(idle) {}

  // A reload may change the bounds; they apply from the next call.
  void set_limits(std::size_t max, Clock::duration idle);

  static constexpr std::size_t kMaxPerOwner = 64;

  // Registers session `id` (random, made by the caller) for `owner`.
  // False: the table is full of other owners' live sessions (try later).
  bool open(std::string id, std::string owner, std::string revision, Clock::time_point now);
  // The session, when it exists, has not expired and belongs to `owner`
  // (another caller's id is as unknown as a made-up one); its idle clock
  // restarts.
  std::optional<Info> touch(std::string_view id, std::string_view owner, Clock::time_point now);
  void mark_initialized(std::string_view id);
  // The legacy HTTP+SSE transport negotiates after the session exists.
  void set_revision(std::string_view id, std::string revision);

  // Legacy HTTP+SSE: where the session's answers go (its GET stream).
  // `deliver` takes one SSE event, may be called from any thread, and
  // returns false once the stream is gone.
  using Outbox = std::function<bool(std::string event)>;
  bool set_outbox(std::string_view id, Outbox deliver);
  // The session's outbox, when it exists, belongs to `owner` and has one.
  Outbox outbox(std::string_view id, std::string_view owner);
  // Whether the session still exists and has not expired (its idle clock
  // is not restarted: a server-to-client stream watching it is not use).
  bool alive(std::string_view id, Clock::time_point now) const;
  // Ends it (DELETE): its requests in flight are cancelled. False when unknown.
  bool close(std::string_view id, std::string_view owner);
  // Ends every session (shutdown): their requests in flight are cancelled.
  void close_all();

  // A request in flight on session `id` under JSON-RPC id `request` (its
  // id_key); `cancel` may be called from any thread, at most once, and
  // must itself reach the request's own executor. A JSON-RPC id already in
  // flight in the session is refused (the client broke the protocol's
  // uniqueness rule; taking it would leave the first call uncancellable).
  enum class AddRequest { added, session_gone, id_in_use };
  AddRequest add_request(std::string_view id, std::string request, std::function<void()> cancel);
  void remove_request(std::string_view id, std::string_view request);
  // notifications/cancelled: true when a request was found (and told).
  bool cancel_request(std::string_view id, std::string_view owner, std::string_view request);

  std::size_t size() const;

 private:
  struct Entry {
    std::string owner;
    Info info;
    Clock::time_point used;
    std::list<std::string>::iterator lru;
    std::unordered_map<std::string, std::function<void()>> requests;
    Outbox outbox;
  };
  using Map = std::unordered_map<std::string, Entry>;
  // Under the lock: drops `it`, handing its cancellations to `out`.
  void drop(Map::iterator it, std::vector<std::function<void()>>& out);
  void expire(Clock::time_point now, std::vector<std::function<void()>>& out);

  mutable std::mutex mutex_;
  std::size_t max_;
  Clock::duration idle_;
  std::list<std::string> lru_;  // most recently used first
  Map entries_;
};

}  // namespace aisbf::mcp
