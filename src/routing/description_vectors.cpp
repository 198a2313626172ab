#include "routing/description_vectors.hpp"

#include <algorithm>

#include <sodium.h>

namespace aisbf::routing {

TextDigest text_digest(std::string_view text) {
  TextDigest out{};
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return out;
}

// The model, a NUL (no model key holds one), then the digest's bytes.
std::string DescriptionVectors::key_of(std::string_view model, const TextDigest& text) {
  std::string key(model);
  key.push_back('\0');
  key.append(reinterpret_cast<const char*>(text.data()), text.size());
  return key;
}

DescriptionVectors::Vector DescriptionVectors::find(std::string_view model, const TextDigest& text) const {
  const std::string key = key_of(model, text);
  std::lock_guard lock(mutex_);
  auto it = vectors_.find(key);
  return it == vectors_.end() ? nullptr : it->second;
}

void DescriptionVectors::drop_locked(const std::string& key) {
  auto it = vectors_.find(key);
  if (it == vectors_.end()) return;
  bytes_ -= it->second->size() * sizeof(float);
  vectors_.erase(it);
}

void DescriptionVectors::store(std::string_view model, const TextDigest& text, std::vector<float> unit) {
  const std::size_t size = unit.size() * sizeof(float);
  if (limits_.max_entries == 0 || size > limits_.max_bytes) return;
  std::string key = key_of(model, text);
  auto vector = std::make_shared<const std::vector<float>>(std::move(unit));
  std::lock_guard lock(mutex_);
  if (auto it = vectors_.find(key); it != vectors_.end()) {  // a concurrent first request's: replaced in place
    bytes_ = bytes_ - it->second->size() * sizeof(float) + size;
    it->second = std::move(vector);
  } else {
    vectors_.emplace(key, std::move(vector));
    bytes_ += size;
    order_.push_back(std::move(key));
  }
  while (!order_.empty() && (vectors_.size() > limits_.max_entries || bytes_ > limits_.max_bytes)) {
    drop_locked(order_.front());
    order_.pop_front();
  }
}

void DescriptionVectors::erase(std::string_view model, const TextDigest& text) {
  const std::string key = key_of(model, text);
  std::lock_guard lock(mutex_);
  if (vectors_.count(key) == 0) return;
  drop_locked(key);
  order_.erase(std::find(order_.begin(), order_.end(), key));  // rare: a model changed under its name
}

std::size_t DescriptionVectors::size() const {
  std::lock_guard lock(mutex_);
  return vectors_.size();
}

std::size_t DescriptionVectors::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace aisbf::routing
