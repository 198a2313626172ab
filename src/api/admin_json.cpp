#include "api/admin_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace aisbf::api {

namespace {

namespace json = boost::json;

double secs(limits::Duration d) { return std::chrono::duration<double>(d).count(); }

json::array health_entries(const routing::HealthStore& health, limits::TimePoint now) {
  json::array out;
  for (const auto& h : health.snapshot(now)) {
    json::object o;
    o["key"] = h.key;
    o["status"] = routing::health_status_name(h.status);
    o["consecutive_failures"] = h.consecutive_failures;
    o["cooldown_left_s"] = secs(h.cooldown_left);
    o["last_error"] = h.last_error;
    o["trial_in_flight"] = h.trial_in_flight;
    out.emplace_back(std::move(o));
  }
  return out;
}

json::array rate_limit_entries(const limits::AdaptiveLimits& adaptive, limits::TimePoint now) {
  json::array out;
  for (const auto& a : adaptive.snapshot(now)) {
    json::object o;
    o["key"] = a.key;
    o["learned_interval_s"] = secs(a.interval);
    o["blocked_for_s"] = secs(a.blocked_for);
    o["rate_limited_count"] = a.rate_limited_count;
    o["consecutive_successes"] = a.consecutive_successes;
    out.emplace_back(std::move(o));
  }
  return out;
}

json::array spacing_entries(const limits::RequestSpacing& spacing, limits::TimePoint now) {
  json::array out;
  for (const auto& s : spacing.snapshot(now)) {
    json::object o;
    o["key"] = s.key;
    o["interval_s"] = secs(s.interval);
    o["next_free_in_s"] = secs(s.next_free_in);
    out.emplace_back(std::move(o));
  }
  return out;
}

json::array token_entries(const limits::TokenWindows& tokens, limits::TimePoint now) {
  json::array out;
  for (const auto& t : tokens.snapshot(now)) {
    json::object o;
    o["key"] = t.key;
    o["last_minute"] = t.last_minute;
    o["last_hour"] = t.last_hour;
    o["last_day"] = t.last_day;
    out.emplace_back(std::move(o));
  }
  return out;
}

json::object tracked_entry(const limits::TrackedKeys& t) {
  json::object o;
  o["keys"] = t.keys;
  o["max_keys"] = t.max_keys;
  o["evicted"] = t.evicted;
  o["refused"] = t.refused;
  return o;
}

// How full each store is: a full one refuses to track new keys.
json::object tracked_entries(const HealthViews& views) {
  json::object o;
  o["health"] = tracked_entry(views.health.tracked());
  o["rate_limits"] = tracked_entry(views.adaptive.tracked());
  o["spacing"] = tracked_entry(views.spacing.tracked());
  o["tokens"] = tracked_entry(views.tokens.tracked());
  return o;
}

}  // namespace

std::string rotations_list_json(const routing::RoutingTable& table) {
  json::array data;
  for (const auto& rotation : table.config().rotations) {
    json::object o;
    o["id"] = rotation.id;
    o["object"] = "rotation";
    o["model_name"] = rotation.model_name;
    o["notifyerrors"] = rotation.notifyerrors;
    json::array candidates;
    if (const auto* plan = table.rotation(rotation.id)) {
      for (const auto& c : plan->candidates) {
        json::object entry;
        entry["provider"] = c.provider->id;
        entry["model"] = c.upstream_model;
        entry["weight"] = c.weight;
        candidates.emplace_back(std::move(entry));
      }
    }
    o["candidates"] = std::move(candidates);
    data.emplace_back(std::move(o));
  }
  json::object out;
  out["object"] = "list";
  out["data"] = std::move(data);
  return json::serialize(out);
}

std::string health_json(const HealthViews& views, limits::TimePoint now) {
  json::object out;
  out["health"] = health_entries(views.health, now);
  out["rate_limits"] = rate_limit_entries(views.adaptive, now);
  out["spacing"] = spacing_entries(views.spacing, now);
  out["tokens"] = token_entries(views.tokens, now);
  out["tracked"] = tracked_entries(views);
  if (const auto* a = views.accounts) {
    out["accounts"] = json::object{{"token_store_lookups", a->token_store_lookups},
                                   {"index_loads", a->index_loads},
                                   {"unknown_tokens", a->unknown_tokens},
                                   {"max_unknown_tokens", a->max_unknown_tokens}};
  }
  return json::serialize(out);
}

json::object tor_status(const json::object& aisbf_json) {
  bool configured = false;
  if (const json::value* tor = aisbf_json.if_contains("tor"); tor != nullptr && tor->is_object()) {
    const json::value* enabled = tor->as_object().if_contains("enabled");
    configured = enabled != nullptr && enabled->is_bool() && enabled->as_bool();
  }
  json::object status{{"enabled", false}, {"configured", configured}, {"hidden_service", nullptr}};
  status["message"] = configured ? "aisbf.json enables tor, but aisbf has no TOR support yet: it is disabled"
                                 : "TOR is disabled (aisbf has no TOR support yet)";
  return status;
}

}  // namespace aisbf::api
