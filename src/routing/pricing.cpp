#include "routing/pricing.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

namespace aisbf::routing {

namespace {

std::optional<double> price_value(const boost::json::value* v) {
  if (v == nullptr) return std::nullopt;
  double d = 0;
  if (v->is_double()) {
    d = v->get_double();
  } else if (v->is_int64()) {
    d = static_cast<double>(v->get_int64());
  } else if (v->is_uint64()) {
    d = static_cast<double>(v->get_uint64());
  } else if (v->is_string()) {
    const std::string_view s = v->get_string();
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(d) || d < 0) return std::nullopt;
  return d;
}

std::optional<double> first_price(const boost::json::object& pricing, std::string_view a, std::string_view b) {
  if (auto p = price_value(pricing.if_contains(a))) return p;
  return price_value(pricing.if_contains(b));
}

// The cost of `n` tokens at `price`; false when tokens need a price that is absent.
bool add(double& sum, std::int64_t n, const std::optional<double>& price) {
  if (n <= 0) return true;
  if (!price) return false;
  sum += static_cast<double>(n) * *price;
  return true;
}

}  // namespace

std::optional<ModelPrices> prices_of(const boost::json::object& model_entry) {
  const auto* p = model_entry.if_contains("pricing");
  if (p == nullptr || !p->is_object()) return std::nullopt;
  const auto& pricing = p->get_object();
  ModelPrices out;
  out.prompt = price_value(pricing.if_contains("prompt"));
  out.completion = price_value(pricing.if_contains("completion"));
  out.cache_read = first_price(pricing, "input_cache_read", "cache_read");
  out.cache_write = first_price(pricing, "input_cache_write", "cache_write");
  out.reasoning = price_value(pricing.if_contains("internal_reasoning"));
  out.request = price_value(pricing.if_contains("request"));
  if (!out.any()) return std::nullopt;
  return out;
}

std::optional<ModelPrices> cascade(const std::optional<ModelPrices>& specific,
                                   const std::optional<ModelPrices>& general) {
  if (!specific) return general;
  if (!general) return specific;
  ModelPrices out = *specific;
  auto fill = [](std::optional<double>& field, const std::optional<double>& from) {
    if (!field) field = from;
  };
  fill(out.prompt, general->prompt);
  fill(out.completion, general->completion);
  fill(out.cache_read, general->cache_read);
  fill(out.cache_write, general->cache_write);
  fill(out.reasoning, general->reasoning);
  fill(out.request, general->request);
  return out;
}

std::optional<double> cost_of(const std::optional<ModelPrices>& prices, const TokenCounts& t) {
  if (!prices || !prices->any()) return std::nullopt;
  const ModelPrices& p = *prices;
  // Counts the upstream reports inconsistently (more cached than prompt) are
  // clipped, so that no component is counted twice.
  const std::int64_t cached = std::min(std::max<std::int64_t>(t.cached, 0), std::max<std::int64_t>(t.prompt, 0));
  const std::int64_t written = std::min(std::max<std::int64_t>(t.cache_write, 0), t.prompt - cached);
  const std::int64_t fresh_input = std::max<std::int64_t>(t.prompt - cached - written, 0);
  const std::int64_t reasoning =
      p.reasoning ? std::min(std::max<std::int64_t>(t.reasoning, 0), std::max<std::int64_t>(t.completion, 0)) : 0;
  const std::int64_t output = std::max<std::int64_t>(t.completion - reasoning, 0);
  double sum = p.request.value_or(0.0);
  const bool priced = add(sum, fresh_input, p.prompt) && add(sum, cached, p.cache_read ? p.cache_read : p.prompt) &&
                      add(sum, written, p.cache_write ? p.cache_write : p.prompt) &&
                      add(sum, output, p.completion) && add(sum, reasoning, p.reasoning);
  if (!priced) return std::nullopt;
  return sum;
}

void raise_prices(std::optional<ModelPrices>& to, const std::optional<ModelPrices>& from) {
  if (!from) return;
  if (!to) to.emplace();
  auto up = [](std::optional<double>& a, const std::optional<double>& b) {
    if (b && (!a || *b > *a)) a = b;
  };
  up(to->prompt, from->prompt);
  up(to->completion, from->completion);
  up(to->request, from->request);
}

}  // namespace aisbf::routing
