// A model's prices and the cost of one request's tokens.
//
// Prices come from a model entry's `pricing` object, in AISBF's (and
// OpenRouter's) per-token fields, USD per token, as numbers or numeric
// strings: `prompt`, `completion`, `input_cache_read`, `input_cache_write`,
// `internal_reasoning`, `request` (per request). `cache_read` and
// `cache_write` are accepted for the cache prices too. A negative price
// (OpenRouter's -1: "varies") counts as absent.
//
// Cascade (as routing/rotation.hpp does for limits): a rotation's model entry
// > the provider's model entry, field by field.
#pragma once

#include <cstdint>
#include <optional>

#include <boost/json/object.hpp>

namespace aisbf::routing {

struct ModelPrices {
  std::optional<double> prompt, completion, cache_read, cache_write, reasoning, request;
  bool any() const { return prompt || completion || cache_read || cache_write || reasoning || request; }
};

// The prices of a model entry (its `pricing` member); nullopt when it has
// none that parse.
std::optional<ModelPrices> prices_of(const boost::json::object& model_entry);

// Fields of `specific` win; those it lacks come from `general`.
std::optional<ModelPrices> cascade(const std::optional<ModelPrices>& specific,
                                   const std::optional<ModelPrices>& general);

// Token counts as the upstream reported them: cached and cache_write are
// part of prompt, reasoning is part of completion.
struct TokenCounts {
  std::int64_t prompt = 0, completion = 0, cached = 0, cache_write = 0, reasoning = 0;
};

// USD. Cache reads and writes at their own prices when set, else at the
// prompt price; reasoning at its own price when set, else the completion
// price; plus the per-request price. nullopt when the model has no prices
// or a component with tokens has no price that applies (never a silent 0).
std::optional<double> cost_of(const std::optional<ModelPrices>& prices, const TokenCounts& tokens);

// Raises `to`'s prompt, completion and request prices to `from`'s where
// higher: a reservation that may be served by any of several models is
// priced at the dearest (rotations, autoselect).
void raise_prices(std::optional<ModelPrices>& to, const std::optional<ModelPrices>& from);

}  // namespace aisbf::routing
