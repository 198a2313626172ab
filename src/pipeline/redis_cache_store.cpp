#include "pipeline/redis_cache_store.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <vector>

#include <boost/asio/this_coro.hpp>

namespace aisbf {

namespace asio = boost::asio;
using resp::Reply;
using resp::Type;

namespace {

std::int64_t epoch_ms(cache::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::optional<std::int64_t> to_int(std::string_view text) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

// A SCAN pattern matching exactly the keys that start with `prefix`.
std::string prefix_pattern(std::string_view prefix) {
  std::string out;
  for (char ch : prefix) {
    if (ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '*';
  return out;
}

GatewayError reply_error(std::string_view what, const Reply& reply) {
  return make_error(ErrorKind::internal, "redis " + std::string(what) + ": " +
                                             (reply.is_error() ? reply.str : std::string("unexpected reply")));
}

// One page of SCAN: the cursor to continue from ("0": done) and its keys.
struct Page {
  std::string cursor;
  std::vector<std::string> keys;
};

Expected<Page> page_of(Reply reply) {
  if (reply.type != Type::array || reply.elements.size() != 2 || reply.elements[0].type != Type::bulk ||
      reply.elements[1].type != Type::array) {
    return reply_error("SCAN", reply);
  }
  Page page{std::move(reply.elements[0].str), {}};
  for (auto& key : reply.elements[1].elements) {
    if (key.type == Type::bulk) page.keys.push_back(std::move(key.str));
  }
  return page;
}

asio::awaitable<Expected<Page>> scan(http::RedisClient& redis, const std::string& cursor, const std::string& pattern,
                                     const std::string& count) {
  const std::array<std::string_view, 6> words{"SCAN", cursor, "MATCH", pattern, "COUNT", count};
  const http::RedisCommand command(words);
  auto reply = co_await redis.command(command);
  if (!reply) co_return reply.take_error();
  co_return page_of(std::move(reply.value()));
}

// The same command (`head` words, then one key) for every key of a page,
// in one round trip.
asio::awaitable<Expected<std::vector<Reply>>> per_key(http::RedisClient& redis, const std::vector<std::string>& keys,
                                                      std::span<const std::string_view> head) {
  std::vector<std::vector<std::string_view>> words(keys.size());
  std::vector<http::RedisCommand> commands;
  commands.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    words[i].assign(head.begin(), head.begin() + 1);
    words[i].push_back(keys[i]);
    words[i].insert(words[i].end(), head.begin() + 1, head.end());
    commands.emplace_back(words[i]);
  }
  const std::span<const http::RedisCommand> all(commands);
  co_return co_await redis.pipeline(all);
}

asio::awaitable<Expected<std::uint64_t>> unlink(http::RedisClient& redis, const std::vector<std::string>& keys) {
  if (keys.empty()) co_return std::uint64_t{0};
  std::vector<std::string_view> words{"UNLINK"};
  words.insert(words.end(), keys.begin(), keys.end());
  const http::RedisCommand command(words);
  auto reply = co_await redis.command(command);
  if (!reply) co_return reply.take_error();
  if (reply->type != Type::integer) co_return reply_error("UNLINK", *reply);
  co_return static_cast<std::uint64_t>(std::max<std::int64_t>(reply->integer, 0));
}

// The keys of a page whose labels `filter` selects.
Expected<std::vector<std::string>> selected(std::vector<std::string> keys, const std::vector<Reply>& labels,
                                            const cache::ClearFilter& filter) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < keys.size() && i < labels.size(); ++i) {
    const Reply& r = labels[i];
    if (r.is_error()) continue;  // not one of our hashes
    if (r.type != Type::array || r.elements.size() != 3) return reply_error("HMGET", r);
    if (r.elements[0].is_nil()) continue;  // gone meanwhile
    const cache::EntryLabels entry{r.elements[0].str, r.elements[1].str, r.elements[2].str};
    if (filter.matches(entry)) out.push_back(std::move(keys[i]));
  }
  return out;
}

}  // namespace

RedisCacheStore::RedisCacheStore(RedisCacheOptions options) : options_(std::move(options)) {}

asio::awaitable<std::shared_ptr<http::RedisClient>> RedisCacheStore::client() {
  auto executor = co_await asio::this_coro::executor;
  std::shared_ptr<http::RedisClient> redis = http::redis_client_for(executor, options_.redis);
  // The first call reads where Redis's eviction count stands (once: when
  // INFO fails, stats() takes the baseline instead).
  if (!baseline_asked_.exchange(true, std::memory_order_relaxed)) (void)co_await evicted_keys(*redis);
  co_return redis;
}

asio::awaitable<Expected<std::uint64_t>> RedisCacheStore::evicted_keys(http::RedisClient& redis) {
  const std::array<std::string_view, 2> words{"INFO", "stats"};
  const http::RedisCommand command(words);
  auto reply = co_await redis.command(command);
  if (!reply) co_return reply.take_error();
  if (reply->type != Type::bulk) co_return reply_error("INFO", *reply);
  constexpr std::string_view kField = "evicted_keys:";
  const auto at = reply->str.find(kField);
  if (at == std::string::npos) co_return reply_error("INFO (no evicted_keys)", *reply);
  const auto start = at + kField.size();
  const auto end = reply->str.find_first_of("\r\n", start);
  const auto value = to_int(std::string_view(reply->str).substr(start, end - start));
  if (!value || *value < 0) co_return reply_error("INFO (evicted_keys)", *reply);
  std::int64_t unknown = -1;
  evicted_baseline_.compare_exchange_strong(unknown, *value);
  co_return static_cast<std::uint64_t>(*value);
}

asio::awaitable<Expected<std::optional<std::string>>> RedisCacheStore::get(std::string_view key,
                                                                          cache::Clock::time_point now) {
  std::shared_ptr<http::RedisClient> redis = co_await client();
  const std::string full = options_.key_prefix + std::string(key);
  const std::array<std::string_view, 4> words{"HMGET", full, "v", "e"};
  const http::RedisCommand command(words);
  auto reply = co_await redis->command(command);
  if (!reply) co_return reply.take_error();
  Reply& r = reply.value();
  if (r.type != Type::array || r.elements.size() != 2) co_return reply_error("HMGET", r);
  if (r.elements[0].type != Type::bulk) co_return std::optional<std::string>{};
  // Redis drops the hash at its expiry by its own clock; ours decides too.
  if (const auto expires = to_int(r.elements[1].str); expires && *expires <= epoch_ms(now)) {
    co_return std::optional<std::string>{};
  }
  co_return std::optional<std::string>{std::move(r.elements[0].str)};
}

asio::awaitable<Expected<bool>> RedisCacheStore::put(std::string_view key, cache::EntryLabels labels,
                                                     std::string_view value, cache::Clock::time_point expires) {
  // What could not be read back is not kept (room left for the labels).
  constexpr std::size_t kLabelRoom = 64 * 1024;
  const auto& limit = options_.redis.limits.max_reply_bytes;
  if (value.size() + labels.space.size() + labels.provider.size() + labels.model.size() + kLabelRoom > limit) {
    co_return false;
  }
  std::shared_ptr<http::RedisClient> redis = co_await client();
  const std::string full = options_.key_prefix + std::string(key);
  const bool forever = expires == cache::Clock::time_point::max();
  const std::string expiry = std::to_string(forever ? 0 : std::max<std::int64_t>(epoch_ms(expires), 1));
  const std::array<std::string_view, 1> multi{"MULTI"};
  const std::array<std::string_view, 2> del{"DEL", full};
  const std::array<std::string_view, 12> hset{"HSET", full,           "v", value,        "s", labels.space,
                                              "p",    labels.provider, "m", labels.model, "e", expiry};
  const std::array<std::string_view, 3> pexpireat{"PEXPIREAT", full, expiry};
  const std::array<std::string_view, 1> exec{"EXEC"};
  std::vector<http::RedisCommand> sent{multi, del};
  if (forever) {
    sent.push_back(std::span(hset).first(10));  // no "e", no PEXPIREAT
  } else {
    sent.push_back(hset);
    sent.push_back(pexpireat);
  }
  sent.push_back(exec);
  const std::span<const http::RedisCommand> batch(sent);
  auto replies = co_await redis->pipeline(batch);
  if (!replies) co_return replies.take_error();
  const Reply& result = replies->back();
  if (result.type != Type::array) co_return reply_error("EXEC", result);
  for (const Reply& r : result.elements) {
    if (r.is_error()) co_return reply_error("EXEC", r);
  }
  co_return true;
}

asio::awaitable<Expected<std::uint64_t>> RedisCacheStore::clear(cache::ClearFilter filter) {
  std::shared_ptr<http::RedisClient> redis = co_await client();
  const bool everything = !filter.space && !filter.provider && !filter.model;
  const std::string pattern = prefix_pattern(options_.key_prefix);
  const std::string count = std::to_string(options_.scan_batch);
  const std::array<std::string_view, 4> hmget{"HMGET", "s", "p", "m"};
  std::uint64_t removed = 0;
  std::string cursor = "0";
  do {
    auto page = co_await scan(*redis, cursor, pattern, count);
    if (!page) co_return page.take_error();
    cursor = std::move(page->cursor);
    std::vector<std::string> doomed = std::move(page->keys);
    if (!everything && !doomed.empty()) {
      auto labels = co_await per_key(*redis, doomed, hmget);
      if (!labels) co_return labels.take_error();
      auto picked = selected(std::move(doomed), labels.value(), filter);
      if (!picked) co_return picked.take_error();
      doomed = std::move(picked.value());
    }
    auto gone = co_await unlink(*redis, doomed);
    if (!gone) co_return gone.take_error();
    removed += gone.value();
  } while (cursor != "0");
  if (everything) {
    // Evictions count again from here.
    auto now = co_await evicted_keys(*redis);
    if (now) evicted_baseline_.store(static_cast<std::int64_t>(now.value()));
  }
  co_return removed;
}

asio::awaitable<Expected<cache::BackendStats>> RedisCacheStore::stats() {
  std::shared_ptr<http::RedisClient> redis = co_await client();
  const std::string pattern = prefix_pattern(options_.key_prefix);
  const std::string count = std::to_string(options_.scan_batch);
  const std::array<std::string_view, 2> hstrlen{"HSTRLEN", "v"};
  const std::array<std::string_view, 2> hexists{"HEXISTS", "v"};
  // Approximate while entries come and go, as any count of a live cache is:
  // SCAN may also return a key twice (when Redis resizes its table during
  // the scan). Remembering every key to drop repeats would cost memory in
  // proportion to the cache, for a statistic.
  cache::BackendStats out;
  std::string cursor = "0";
  do {
    auto page = co_await scan(*redis, cursor, pattern, count);
    if (!page) co_return page.take_error();
    cursor = std::move(page->cursor);
    if (page->keys.empty()) continue;
    auto sizes = co_await per_key(*redis, page->keys, hstrlen);
    if (!sizes) co_return sizes.take_error();
    std::vector<std::string> zero;  // HSTRLEN 0: an empty value, or gone meanwhile
    for (std::size_t i = 0; i < sizes->size() && i < page->keys.size(); ++i) {
      const Reply& r = (*sizes)[i];
      if (r.type != Type::integer || r.integer < 0) continue;  // not one of our hashes
      if (r.integer == 0) {
        zero.push_back(std::move(page->keys[i]));
        continue;
      }
      ++out.entries;
      out.bytes += static_cast<std::uint64_t>(r.integer);
    }
    if (zero.empty()) continue;
    auto held = co_await per_key(*redis, zero, hexists);
    if (!held) co_return held.take_error();
    for (const Reply& r : held.value()) {
      if (r.type == Type::integer && r.integer == 1) ++out.entries;
    }
  } while (cursor != "0");
  // Evictions are best effort: a Redis that refuses INFO still has entries.
  auto evicted = co_await evicted_keys(*redis);
  if (evicted) {
    const auto base = static_cast<std::uint64_t>(std::max<std::int64_t>(evicted_baseline_.load(), 0));
    // A restarted Redis counts from 0 again.
    out.evictions = evicted.value() >= base ? evicted.value() - base : evicted.value();
  }
  co_return out;
}

}  // namespace aisbf
