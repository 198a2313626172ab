// QuotaSpec parsing, the refusal's message and the UTC calendar buckets.
#include <chrono>
#include <cmath>
#include <cstdio>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "limits/quotas.hpp"

namespace aisbf::limits {
namespace {

// A JSON whole number >= 0 (2.0 counts: some clients write every number as a double).
std::optional<std::int64_t> whole(const boost::json::value& v) {
  if (v.is_int64() && v.get_int64() >= 0) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (d >= 0 && d < 9.0e18 && std::floor(d) == d) return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<double> amount(const boost::json::value& v) {
  if (!v.is_number()) return std::nullopt;
  const double d = v.to_number<double>();
  return std::isfinite(d) && d >= 0 ? std::optional<double>(d) : std::nullopt;
}

QuotaParse fail(std::string_view field, std::string_view why) {
  const std::string name = "quotas." + std::string(field);
  return {std::nullopt, name + ": " + std::string(why), name, std::string(why)};
}

}  // namespace

QuotaParse parse_quotas(std::string_view json) {
  if (json.empty()) return {QuotaSpec{}, {}};
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(json, ec);
  if (ec || !doc.is_object()) return {std::nullopt, "quotas: expected an object", "quotas", "expected an object"};
  QuotaSpec spec;
  std::optional<std::int64_t>* counts[] = {&spec.requests_per_minute, &spec.requests_per_day,
                                           &spec.max_concurrent,      &spec.tokens_per_day,
                                           &spec.tokens_per_month};
  constexpr std::string_view kCountNames[] = {"requests_per_minute", "requests_per_day", "max_concurrent",
                                              "tokens_per_day", "tokens_per_month"};
  for (const auto& [key, value] : doc.get_object()) {
    const std::string_view name(key.data(), key.size());
    if (value.is_null()) continue;  // null: no limit, as when absent
    if (name == "cost_per_month") {
      spec.cost_per_month = amount(value);
      if (!spec.cost_per_month) return fail(name, "expected a number >= 0 (USD)");
      continue;
    }
    bool known = false;
    for (std::size_t i = 0; i < std::size(kCountNames); ++i) {
      if (name != kCountNames[i]) continue;
      known = true;
      *counts[i] = whole(value);
      if (!*counts[i]) return fail(name, "expected a whole number >= 0");
    }
    if (!known) return fail(name.substr(0, 64), "unknown field");
  }
  return {spec, {}};
}

std::string QuotaRefusal::message() const {
  std::string who = subject;
  if (auto colon = who.find(':'); colon != std::string::npos) who[colon] = ' ';
  if (table_full) return who + ": too many subjects with quotas are active; try again later";
  char figure[64];
  if (quota == "cost_per_month") {
    std::snprintf(figure, sizeof figure, "%.2f USD", limit);
  } else {
    std::snprintf(figure, sizeof figure, "%.0f", limit);
  }
  return who + ": " + quota + " " + figure + " reached";
}

WallMs utc_day_start(WallMs now) {
  constexpr WallMs kDay = 86'400'000;
  return now - ((now % kDay) + kDay) % kDay;
}

WallMs utc_month_start(WallMs now) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(now)));
  const year_month_day ymd(day);
  return duration_cast<milliseconds>(sys_days(ymd.year() / ymd.month() / 1).time_since_epoch()).count();
}

WallMs utc_next_month_start(WallMs now) {
  using namespace std::chrono;
  const year_month_day ymd(floor<days>(sys_time<milliseconds>(milliseconds(now))));
  const year_month next = ymd.year() / ymd.month() + months(1);
  return duration_cast<milliseconds>(sys_days(next / 1).time_since_epoch()).count();
}

}  // namespace aisbf::limits
