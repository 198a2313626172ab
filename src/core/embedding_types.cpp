#include "core/embedding_types.hpp"

#include <cmath>

#include <fmt/format.h>

#include "core/json_read.hpp"

namespace aisbf {

GatewayError no_embeddings_error(std::string_view provider_type) {
  auto e = make_error(ErrorKind::unsupported,
                      fmt::format("provider type '{}' has no embeddings API", provider_type));
  e.code = "embeddings_unsupported";
  return e;
}

namespace embedding_read {

namespace {
// Today's models give 256 to 4096 dimensions; a vector past this is
// refused rather than kept (the vectors are cached).
constexpr std::size_t kMaxEmbeddingDimensions = 16384;
}  // namespace

Expected<std::vector<float>> vector_of(const boost::json::value* v, std::string_view what) {
  const boost::json::array* items = v == nullptr ? nullptr : v->if_array();
  if (items == nullptr || items->empty())
    return json_read::protocol_error(fmt::format("upstream {} is not a non-empty array of numbers", what));
  if (items->size() > kMaxEmbeddingDimensions)
    return json_read::protocol_error(
        fmt::format("upstream {} has {} dimensions, more than {}", what, items->size(), kMaxEmbeddingDimensions));
  std::vector<float> out;
  out.reserve(items->size());
  for (const auto& item : *items) {
    boost::system::error_code ec;
    const double d = item.to_number<double>(ec);
    // Finite as a float too: 1e39 is a double but no float (it would be
    // written back as `inf`, which is not JSON).
    const float f = static_cast<float>(d);
    if (ec || !std::isfinite(f))
      return json_read::protocol_error(fmt::format("upstream {} holds a value that is not a finite float32", what));
    out.push_back(f);
  }
  return out;
}

std::optional<GatewayError> check_vectors(const std::vector<std::vector<float>>& vectors, std::size_t wanted) {
  if (vectors.size() != wanted)
    return json_read::protocol_error(
        fmt::format("upstream returned {} embeddings for {} inputs", vectors.size(), wanted));
  for (const auto& v : vectors) {
    if (v.size() != vectors.front().size())
      return json_read::protocol_error(
          fmt::format("upstream embeddings differ in size ({} and {})", vectors.front().size(), v.size()));
  }
  return std::nullopt;
}

Expected<std::vector<std::vector<float>>> vectors_in(const boost::json::object& root, std::string_view array_key,
                                                     std::string_view value_key, std::string_view body,
                                                     std::size_t wanted) {
  const boost::json::array* items = json_read::array_member(root, array_key);
  if (items == nullptr)
    return json_read::protocol_error(fmt::format("upstream embeddings answer has no `{}` array: {}", array_key,
                                                 json_read::excerpt(body, 120)));
  std::vector<std::vector<float>> out;
  out.reserve(items->size());
  for (const auto& item : *items) {
    const boost::json::value* v = &item;
    if (!value_key.empty()) v = item.is_object() ? item.get_object().if_contains(value_key) : nullptr;
    auto vector = vector_of(v, "embedding");
    if (!vector) return vector.take_error();
    out.push_back(std::move(*vector));
  }
  if (auto bad = check_vectors(out, wanted)) return std::move(*bad);
  return out;
}

}  // namespace embedding_read

}  // namespace aisbf
