#include "routing/description_vectors.hpp"

#include <sodium.h>

namespace aisbf::routing {

TextDigest text_digest(std::string_view text) {
  TextDigest out{};
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return out;
}

// The model, a NUL (no model id holds one), then the digest's bytes.
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

void DescriptionVectors::store(std::string_view model, const TextDigest& text, std::vector<float> unit) {
  if (max_entries_ == 0) return;
  std::string key = key_of(model, text);
  auto vector = std::make_shared<const std::vector<float>>(std::move(unit));
  std::lock_guard lock(mutex_);
  auto [it, added] = vectors_.insert_or_assign(key, std::move(vector));
  if (!added) return;
  order_.push_back(std::move(key));
  while (order_.size() > max_entries_) {
    vectors_.erase(order_.front());
    order_.pop_front();
  }
}

std::size_t DescriptionVectors::size() const {
  std::lock_guard lock(mutex_);
  return vectors_.size();
}

}  // namespace aisbf::routing
