#include "mcp/sessions.hpp"

#include <algorithm>
#include <optional>
#include <vector>

namespace aisbf::mcp {

namespace {

// Cancellations run outside the lock: they post to other threads, which may
// call back into the table.
void run_all(std::vector<std::function<void()>>& cancels) {
  for (auto& c : cancels) c();
}

}  // namespace

void Sessions::set_limits(std::size_t max, Clock::duration idle) {
  std::lock_guard lock(mutex_);
  max_ = max == 0 ? 1 : max;
  idle_ = idle;
}

void Sessions::drop(Map::iterator it, std::vector<std::function<void()>>& out) {
  for (auto& [key, cancel] : it->second.requests) out.push_back(std::move(cancel));
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

// The least recently used sessions sit at the back: stop at the first live one.
void Sessions::expire(Clock::time_point now, std::vector<std::function<void()>>& out) {
  while (!lru_.empty()) {
    auto it = entries_.find(lru_.back());
    if (now - it->second.used < idle_) return;
    drop(it, out);
  }
}

bool Sessions::open(std::string id, std::string owner, std::string revision, Clock::time_point now) {
  std::vector<std::function<void()>> cancels;
  bool opened = false;
  {
    std::lock_guard lock(mutex_);
    expire(now, cancels);
    // The owner's own sessions, least recently used last.
    std::size_t own = 0;
    std::optional<Map::iterator> own_oldest;
    for (auto at = lru_.rbegin(); at != lru_.rend(); ++at) {
      auto it = entries_.find(*at);
      if (it->second.owner != owner) continue;
      if (!own_oldest) own_oldest = it;
      ++own;
    }
    if ((own >= std::min(kMaxPerOwner, max_) || entries_.size() >= max_) && own_oldest) {
      drop(*own_oldest, cancels);
    }
    if (entries_.size() < max_) {
      lru_.push_front(id);
      Entry entry{std::move(owner), Info{std::move(revision), false}, now, lru_.begin(), {}};
      entries_.insert_or_assign(std::move(id), std::move(entry));
      opened = true;
    }
  }
  run_all(cancels);
  return opened;
}

std::optional<Sessions::Info> Sessions::touch(std::string_view id, std::string_view owner, Clock::time_point now) {
  std::vector<std::function<void()>> cancels;
  std::optional<Info> out;
  {
    std::lock_guard lock(mutex_);
    expire(now, cancels);
    auto it = entries_.find(std::string(id));
    if (it != entries_.end() && it->second.owner == owner) {
      it->second.used = now;
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      out = it->second.info;
    }
  }
  run_all(cancels);
  return out;
}

void Sessions::mark_initialized(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(id));
  if (it != entries_.end()) it->second.info.initialized = true;
}

void Sessions::set_revision(std::string_view id, std::string revision) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(id));
  if (it != entries_.end()) it->second.info.revision = std::move(revision);
}

bool Sessions::set_outbox(std::string_view id, Outbox deliver) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(id));
  if (it == entries_.end()) return false;
  it->second.outbox = std::move(deliver);
  return true;
}

Sessions::Outbox Sessions::outbox(std::string_view id, std::string_view owner) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(id));
  if (it == entries_.end() || it->second.owner != owner) return {};
  return it->second.outbox;
}

bool Sessions::alive(std::string_view id, Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(id));
  return it != entries_.end() && now - it->second.used < idle_;
}

bool Sessions::close(std::string_view id, std::string_view owner) {
  std::vector<std::function<void()>> cancels;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(std::string(id));
    if (it == entries_.end() || it->second.owner != owner) return false;
    drop(it, cancels);
  }
  run_all(cancels);
  return true;
}

void Sessions::close_all() {
  std::vector<std::function<void()>> cancels;
  {
    std::lock_guard lock(mutex_);
    while (!lru_.empty()) drop(entries_.find(lru_.back()), cancels);
  }
  run_all(cancels);
}

Sessions::AddRequest Sessions::add_request(std::string_view id, std::string request, std::function<void()> cancel) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(id));
  if (it == entries_.end()) return AddRequest::session_gone;
  const bool added = it->second.requests.try_emplace(std::move(request), std::move(cancel)).second;
  return added ? AddRequest::added : AddRequest::id_in_use;
}

void Sessions::remove_request(std::string_view id, std::string_view request) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(id));
  if (it != entries_.end()) it->second.requests.erase(std::string(request));
}

bool Sessions::cancel_request(std::string_view id, std::string_view owner, std::string_view request) {
  std::function<void()> cancel;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(std::string(id));
    if (it == entries_.end() || it->second.owner != owner) return false;
    auto r = it->second.requests.find(std::string(request));
    if (r == it->second.requests.end()) return false;
    cancel = std::move(r->second);
    it->second.requests.erase(r);
  }
  cancel();
  return true;
}

std::size_t Sessions::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace aisbf::mcp
