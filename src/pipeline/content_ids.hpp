// The content proxy's ids (docs/config.md "Content proxy"): an upstream URL
// that an answer held, kept server-side under a random id that the client
// gets instead (`/api/proxy/{id}`). The client never chooses a URL: it can
// only name an id this map gave its own namespace.
//
// Ids are 16 random bytes from libsodium (128 bits), base64url without
// padding (22 characters). An entry expires `media.proxy_ttl` after it was
// made; the map holds at most `media.proxy_max_entries` (the oldest goes
// first, counted in evicted()). Shared by every worker behind one mutex:
// an add or a find is a hash lookup and a few deque operations.
// No Asio here: the fetch is content_proxy.hpp's.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/principal.hpp"
#include "config/config.hpp"

namespace aisbf {

struct ContentEntry {
  std::string url;                    // the upstream's absolute http(s) URL
  std::string owner;                  // content_owner() of the caller whose answer held it
  std::string provider_id;            // the provider whose answer held it (its endpoint's host may be private)
  std::string provider_endpoint;      // that provider's configured endpoint URL
  bool provider_public_only = false;  // the provider's own address rule (a user's provider)
  std::optional<SocksProxy> provider_proxy;  // how the provider is reached (its origin's fetches go the same way)
  std::chrono::steady_clock::time_point expires;
};

// The namespace an id belongs to: a user (token or session) by id, else
// the operator's global tokens, else the anonymous caller of a gateway
// without auth.
std::string content_owner(const auth::Principal& principal);

class ContentIds {
 public:
  using Clock = std::chrono::steady_clock;
  // Keeps `entry` under a new id and returns it; first drops what expired
  // and, past `max_entries`, the oldest entries.
  std::string add(ContentEntry entry, std::size_t max_entries, Clock::time_point now);
  // The entry when it exists, has not expired and belongs to `owner`;
  // nullopt otherwise (the three look the same to the caller).
  std::optional<ContentEntry> find(std::string_view id, std::string_view owner, Clock::time_point now) const;

  std::size_t size() const;
  std::uint64_t evicted() const;  // entries dropped for room before they expired

 private:
  void drop_front_locked();
  mutable std::mutex mu_;
  std::unordered_map<std::string, ContentEntry> entries_;
  std::deque<std::string> order_;  // ids, oldest first
  std::uint64_t evicted_ = 0;
};

// A fresh id: 16 bytes from libsodium's generator, base64url, no padding.
std::string new_content_id();

}  // namespace aisbf
