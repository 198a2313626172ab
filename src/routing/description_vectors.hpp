// The embeddings of autoselect candidates' descriptions (issue 11's
// semantic selection), unit length, kept across requests and config
// reloads: keyed by (the model that made them, SHA-256 of the text), so a
// reload that keeps a description's text keeps its vector, and a changed
// text or model is simply another key. The model key is the caller's: who
// really answers (pipeline/embeddings_call.hpp `resolve_embeddings_model`: the
// upstream, and the user whose provider it is), never the id as written,
// which names another provider in each user's namespace.
// Bounded by entries and by bytes (a full cache drops the oldest). One
// mutex; a vector is handed out as a shared pointer, read without the lock.
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace aisbf::routing {

using TextDigest = std::array<unsigned char, 32>;  // SHA-256

TextDigest text_digest(std::string_view text);

class DescriptionVectors {
 public:
  using Vector = std::shared_ptr<const std::vector<float>>;

  struct Limits {
    std::size_t max_entries = 4096;
    std::size_t max_bytes = 64 * 1024 * 1024;  // of floats
  };

  explicit DescriptionVectors(Limits limits) : limits_(limits) {}

  // The vector of `text` under `model`; null when not known.
  Vector find(std::string_view model, const TextDigest& text) const;
  // Keeps `unit` (already unit length) for `text` under `model`.
  void store(std::string_view model, const TextDigest& text, std::vector<float> unit);
  // Forgets a vector that turned out stale (another size than the model's
  // answers now): the next request embeds the text again.
  void erase(std::string_view model, const TextDigest& text);
  std::size_t size() const;
  std::size_t bytes() const;

 private:
  static std::string key_of(std::string_view model, const TextDigest& text);
  void drop_locked(const std::string& key);
  Limits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Vector> vectors_;
  std::deque<std::string> order_;  // the keys in insertion order, oldest first
  std::size_t bytes_ = 0;
};

}  // namespace aisbf::routing
