// The embeddings of autoselect candidates' descriptions (issue 11's
// semantic selection), unit length, kept across requests and config
// reloads: keyed by (embeddings model, SHA-256 of the text), so a reload
// that keeps a description's text keeps its vector, and a changed text or
// model is simply another key. Bounded: at most `max_entries` vectors (a
// full cache drops the oldest). One mutex; a vector is handed out as a
// shared pointer, read without the lock.
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

  explicit DescriptionVectors(std::size_t max_entries) : max_entries_(max_entries) {}

  // The vector of `text` under `model`; null when not known.
  Vector find(std::string_view model, const TextDigest& text) const;
  // Keeps `unit` (already unit length) for `text` under `model`.
  void store(std::string_view model, const TextDigest& text, std::vector<float> unit);
  std::size_t size() const;

 private:
  static std::string key_of(std::string_view model, const TextDigest& text);
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Vector> vectors_;
  std::deque<std::string> order_;  // insertion order, oldest first
};

}  // namespace aisbf::routing
