#include "api/admin_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

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

namespace {

std::string tor_message(const TorConfig& config, const ops::TorState& state) {
  using Phase = ops::TorState::Phase;
  switch (state.phase) {
    case Phase::running:
      return fmt::format("the hidden service {} forwards port {} to {} ({})", state.onion_address, state.virtual_port,
                         state.target,
                         state.persistent ? "persistent: its key is in tor.hidden_service_dir"
                                          : "ephemeral: a new address at each start");
    case Phase::starting:
      return "connecting to tor's control port";
    case Phase::error:
      return "the hidden service is not running: " + state.last_error;
    case Phase::disabled:
      break;
  }
  return config.enabled ? "aisbf.json enables tor since the server started: restart aisbf to publish the service"
                        : "TOR is disabled (aisbf.json tor.enabled)";
}

}  // namespace

json::object tor_status(const TorConfig& config, const ops::TorState& state) {
  using Phase = ops::TorState::Phase;
  // Started: tor was asked (a refusal to publish, auth being off, is not).
  const bool started = state.connects > 0 || state.phase == Phase::starting || state.phase == Phase::running;
  json::object status{{"enabled", started},
                      {"configured", config.enabled},
                      {"state", ops::phase_name(state.phase)},
                      {"hidden_service", nullptr},
                      {"port", config.hidden_service_port},
                      {"target", nullptr},
                      {"persistent", !config.hidden_service_dir.empty()},
                      {"control", fmt::format("{}:{}", config.control_host, config.control_port)},
                      {"tor_version", nullptr},
                      {"connects", state.connects},
                      {"last_error", nullptr}};
  if (state.phase != Phase::disabled) {
    status["port"] = state.virtual_port;
    status["target"] = state.target;
    status["persistent"] = state.persistent;
  }
  if (!state.onion_address.empty()) status["hidden_service"] = state.onion_address;
  if (!state.tor_version.empty()) status["tor_version"] = state.tor_version;
  if (!state.last_error.empty()) status["last_error"] = state.last_error;
  status["message"] = tor_message(config, state);
  return status;
}

}  // namespace aisbf::api
