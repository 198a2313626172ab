// The content proxy's ids (docs/config.md "Content proxy"): an upstream URL
// that an answer held, kept server-side under a random id that the client
// gets instead (`/api/proxy/{id}`). The client never chooses a URL: it can
// only name an id this map gave its own namespace.
//
// Ids are 16 random bytes from libsodium (128 bits), base64url without
// padding (22 characters). An entry expires `media.proxy_ttl` after it was
// made. The map is bounded three ways (ContentLimits): entries
// (`media.proxy_max_entries`), bytes (kContentMapBytes), and entries per
// owner (a sixteenth of the entries, at least one answer's worth), so one
// caller cannot push everyone else's ids out: past its own share, an
// owner's own oldest id goes first; past the map's bounds, the oldest of
// anyone's (both counted in evicted()). Shared by every worker behind one
// mutex: an add or a find is a hash lookup and a few list operations.
// No Asio here: the fetch is content_proxy.hpp's.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/principal.hpp"
#include "config/config.hpp"

namespace aisbf {

struct ContentEntry {
  std::string url;    // the upstream's absolute http(s) URL (at most kMaxContentUrlBytes)
  std::string owner;  // content_owner() of the caller whose answer held it
  // The provider whose answer held it, by id, and the user whose view
  // holds that provider (empty: the global config). The fetch looks it up
  // again in the current config (content_proxy.hpp): its endpoint, address
  // rule and proxy as they are now, not as they were.
  std::string provider_id;
  std::string provider_user;
  std::chrono::steady_clock::time_point expires;
};

// A URL longer than this is not kept (the answer holding it is refused).
inline constexpr std::size_t kMaxContentUrlBytes = 4096;
// The map's byte budget (URLs and keys), beside its entry count.
inline constexpr std::size_t kContentMapBytes = 16u * 1024 * 1024;
// The most URLs one answer may have proxied (OpenAI's bound on `n`).
inline constexpr std::size_t kMaxContentUrlsPerAnswer = 10;

struct ContentLimits {
  std::size_t max_entries = 10'000;
  std::size_t max_bytes = kContentMapBytes;
  std::size_t max_per_owner = 625;
};

// The limits for `media.proxy_max_entries`: a sixteenth of it per owner,
// but at least one answer's URLs (or all of it, when smaller).
ContentLimits content_limits(std::uint64_t max_entries);

// The namespace an id belongs to: a user (token or session) by id, else
// the operator's global tokens, else the anonymous caller of a gateway
// without auth.
std::string content_owner(const auth::Principal& principal);

class ContentIds {
 public:
  using Clock = std::chrono::steady_clock;
  // Keeps `entry` under a new id and returns it; first drops what expired,
  // then, past the owner's share, the owner's oldest entries, then, past
  // the map's entries or bytes, the oldest entries of anyone.
  std::string add(ContentEntry entry, const ContentLimits& limits, Clock::time_point now);
  // The entry when it exists, has not expired and belongs to `owner`;
  // nullopt otherwise (the three look the same to the caller).
  std::optional<ContentEntry> find(std::string_view id, std::string_view owner, Clock::time_point now) const;

  std::size_t size() const;
  std::size_t bytes() const;      // what the entries count against max_bytes
  std::uint64_t evicted() const;  // entries dropped for room before they expired

 private:
  using Order = std::list<std::string>;  // ids, oldest first
  struct Slot {
    ContentEntry entry;
    Order::iterator in_order;  // its place in order_
    Order::iterator in_owner;  // its place in owners_[entry.owner]
  };
  void drop_locked(const std::string& id);
  mutable std::mutex mu_;
  std::unordered_map<std::string, Slot> entries_;
  Order order_;
  std::unordered_map<std::string, Order> owners_;  // each owner's ids, oldest first
  std::size_t bytes_ = 0;
  std::uint64_t evicted_ = 0;
};

// A fresh id: 16 bytes from libsodium's generator, base64url, no padding.
std::string new_content_id();

}  // namespace aisbf
