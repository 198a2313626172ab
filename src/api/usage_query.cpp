#include "api/usage_query.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>

namespace aisbf::api {

namespace {

constexpr std::size_t kMaxFilterBytes = 256;
constexpr store::UnixMs kDayMs = 86'400'000;
constexpr store::UnixMs kHourMs = 3'600'000;

// Reads exactly `n` digits at `p`.
bool digits(std::string_view s, std::size_t& p, std::size_t n, unsigned& out) {
  if (p + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[p + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  p += n;
  return true;
}

bool expect(std::string_view s, std::size_t& p, char c) {
  if (p >= s.size() || s[p] != c) return false;
  ++p;
  return true;
}

std::optional<store::UnixMs> parse_iso(std::string_view s) {
  std::size_t p = 0;
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, p, 4, y) || !expect(s, p, '-') || !digits(s, p, 2, mo) || !expect(s, p, '-') ||
      !digits(s, p, 2, d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
    return std::nullopt;
  }
  store::UnixMs ms = 0;
  if (p < s.size()) {
    if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return std::nullopt;
    ++p;
    if (!digits(s, p, 2, h) || !expect(s, p, ':') || !digits(s, p, 2, mi) || h > 23 || mi > 59) return std::nullopt;
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!digits(s, p, 2, sec) || sec > 60) return std::nullopt;
      if (p < s.size() && s[p] == '.') {
        ++p;
        unsigned scale = 100;
        const std::size_t start = p;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
          ms += (s[p] - '0') * scale;
          scale /= 10;
          ++p;
        }
        if (p == start) return std::nullopt;
      }
    }
    if (p == s.size()) return std::nullopt;  // a time needs its zone: Z or an offset
    if (s[p] == 'Z' || s[p] == 'z') {
      ++p;
    } else if (s[p] == '+' || s[p] == '-') {
      const int sign = s[p] == '-' ? -1 : 1;
      ++p;
      unsigned oh = 0, om = 0;
      if (!digits(s, p, 2, oh) || oh > 23) return std::nullopt;
      if (p < s.size() && s[p] == ':') ++p;
      if (!digits(s, p, 2, om) || om > 59) return std::nullopt;
      ms -= sign * static_cast<store::UnixMs>(oh * 60 + om) * 60'000;
    } else {
      return std::nullopt;
    }
  }
  if (p != s.size()) return std::nullopt;
  // std::chrono's calendar, as limits/quota_spec.cpp uses (the digits were range-checked above).
  const std::chrono::sys_days date{std::chrono::year(static_cast<int>(y)) / std::chrono::month(mo) / std::chrono::day(d)};
  const std::int64_t days = date.time_since_epoch().count();
  return days * kDayMs + static_cast<store::UnixMs>(h * 3600 + mi * 60 + sec) * 1000 + ms;
}

std::optional<store::UsageBucket> bucket_of(std::string_view v) {
  if (v == "minute") return store::UsageBucket::minute;
  if (v == "hour") return store::UsageBucket::hour;
  if (v == "day") return store::UsageBucket::day;
  return std::nullopt;
}

std::optional<store::UsageGroup> group_of(std::string_view v) {
  if (v == "user") return store::UsageGroup::user;
  if (v == "provider") return store::UsageGroup::provider;
  if (v == "model") return store::UsageGroup::model;
  if (v == "rotation") return store::UsageGroup::rotation;
  if (v == "token") return store::UsageGroup::token;
  return std::nullopt;
}

UsageParamError bad(std::string_view param, std::string message) { return {std::string(param), std::move(message)}; }

// `o` may hold a first member ("t" or "key"): the totals follow it.
boost::json::object totals_json(const store::UsageTotals& t, boost::json::object o = {}) {
  o["requests"] = t.requests;
  o["prompt_tokens"] = t.prompt_tokens;
  o["completion_tokens"] = t.completion_tokens;
  // Nothing priced: null, never a silent 0.
  if (t.requests > t.unpriced_requests) {
    o["cost"] = t.cost;
  } else {
    o["cost"] = nullptr;
  }
  o["unpriced_requests"] = t.unpriced_requests;
  o["errors"] = t.errors;
  // No request: null, as cost.
  auto percentile = [&](double q) -> boost::json::value {
    if (auto ms = store::latency_percentile(t.latency, q)) return *ms;
    return nullptr;
  };
  o["latency_p50_ms"] = percentile(0.5);
  o["latency_p95_ms"] = percentile(0.95);
  return o;
}

// A parameter that names a filter or a value set, and where it goes.
std::optional<std::string>* filter_slot(store::UsageQuery& q, std::string_view key) {
  if (key == "user") return &q.username;
  if (key == "provider") return &q.provider;
  if (key == "model") return &q.model;
  if (key == "rotation") return &q.rotation;
  if (key == "token") return &q.token_id;
  return nullptr;
}

}  // namespace

std::optional<store::UnixMs> parse_usage_time(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size() || seconds > 253'402'300'799) return std::nullopt;
    return seconds * 1000;
  }
  return parse_iso(text);
}

std::string iso8601_utc(store::UnixMs ms) {
  std::int64_t days = ms / kDayMs;
  store::UnixMs rest = ms % kDayMs;
  if (rest < 0) {
    rest += kDayMs;
    --days;
  }
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
  const int y = static_cast<int>(date.year());
  const unsigned m = static_cast<unsigned>(date.month()), d = static_cast<unsigned>(date.day());
  const auto secs = rest / 1000;
  const auto millis = rest % 1000;
  if (millis == 0) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, secs / 3600, secs / 60 % 60, secs % 60);
  }
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", y, m, d, secs / 3600, secs / 60 % 60, secs % 60,
                     millis);
}

ParsedUsageRequest parse_usage_request(std::string_view target, store::UnixMs now_ms) {
  ParsedUsageRequest out;
  auto url = boost::urls::parse_origin_form(target);
  if (!url) {
    out.error = bad("query", "the request target is not a valid URL path and query");
    return out;
  }
  UsageRequest req;
  std::optional<store::UnixMs> from, to;
  std::vector<std::string> seen;
  for (const auto& param : url->params()) {
    const std::string& key = param.key;
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      out.error = bad(key, fmt::format("'{}' is given more than once", key));
      return out;
    }
    seen.push_back(key);
    const std::string& value = param.value;
    if (key == "from" || key == "to") {
      auto t = parse_usage_time(value);
      if (!t) {
        out.error = bad(key, fmt::format("'{}' must be ISO 8601 (2026-01-31T12:00:00Z) or unix seconds", key));
        return out;
      }
      (key == "from" ? from : to) = t;
    } else if (key == "bucket") {
      auto b = bucket_of(value);
      if (!b) {
        out.error = bad(key, "'bucket' must be minute, hour or day");
        return out;
      }
      req.query.bucket = *b;
    } else if (key == "group_by") {
      auto g = group_of(value);
      if (!g) {
        out.error = bad(key, "'group_by' must be user, provider, model, rotation or token");
        return out;
      }
      req.query.group_by = *g;
    } else if (key == "format") {
      if (value != "json" && value != "csv") {
        out.error = bad(key, "'format' must be json or csv");
        return out;
      }
      req.csv = value == "csv";
    } else if (auto* slot = filter_slot(req.query, key)) {
      if (value.size() > kMaxFilterBytes) {
        out.error = bad(key, fmt::format("'{}' is longer than {} bytes", key, kMaxFilterBytes));
        return out;
      }
      *slot = value;
    } else {
      out.error = bad(key.size() > 64 ? key.substr(0, 64) : key, "unknown parameter");
      return out;
    }
  }
  const bool minutes = req.query.bucket == store::UsageBucket::minute;
  req.query.to_ms = to.value_or(now_ms);
  req.query.from_ms = from.value_or(req.query.to_ms - (minutes ? kHourMs : kDayMs));
  if (req.query.from_ms >= req.query.to_ms) {
    out.error = bad(from ? "from" : "to", "'from' must be before 'to'");
    return out;
  }
  // Minutes are read from the raw rows: a bounded range keeps that cheap.
  if (minutes && req.query.to_ms - req.query.from_ms > kMaxMinuteRangeMs) {
    out.error = bad("bucket", fmt::format("'bucket=minute' covers at most {} hours (this range is {:.1f} hours): "
                                          "use bucket=hour, or a shorter range",
                                          kMaxMinuteRangeMs / kHourMs,
                                          static_cast<double>(req.query.to_ms - req.query.from_ms) / kHourMs));
    return out;
  }
  out.request = std::move(req);
  return out;
}

std::string usage_report_json(const store::UsageReport& report, const store::UsageQuery& query,
                              std::uint64_t dropped) {
  boost::json::object o;
  o["from"] = iso8601_utc(query.from_ms);
  o["to"] = iso8601_utc(query.to_ms);
  o["totals"] = totals_json(report.totals);
  boost::json::array series;
  for (const auto& [t, totals] : report.series) {
    series.push_back(totals_json(totals, {{"t", iso8601_utc(t)}}));
  }
  o["series"] = std::move(series);
  boost::json::array groups;
  for (const auto& [key, totals] : report.groups) {
    groups.push_back(totals_json(totals, {{"key", key}}));
  }
  o["groups"] = std::move(groups);
  o["dropped"] = dropped;
  return boost::json::serialize(o);
}

std::string_view usage_csv_header() {
  return "time,username,token_id,route,requested_model,provider,model,rotation,attempts,prompt_tokens,"
         "completion_tokens,cached_tokens,cache_write_tokens,reasoning_tokens,tokens_estimated,cost,latency_ms,"
         "ttfb_ms,status,error_kind,streamed,aborted,effective_context,autoselected,autoselected_by\r\n";
}

void append_csv_cell(std::string& out, std::string_view text) {
  const bool formula = !text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@');
  const bool quote = text.find_first_of(",\"\r\n") != std::string_view::npos;
  if (quote) out += '"';
  if (formula) out += '\'';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  if (quote) out += '"';
}

void append_usage_csv_row(std::string& out, const store::UsageRecord& r) {
  auto text = [&](std::string_view s) {
    append_csv_cell(out, s);
    out += ',';
  };
  auto number = [&](std::int64_t n) { fmt::format_to(std::back_inserter(out), "{},", n); };
  auto flag = [&](bool b) { out += b ? "true," : "false,"; };
  text(iso8601_utc(r.time_ms));
  text(r.username);
  text(r.token_id);
  text(r.route);
  text(r.requested_model);
  text(r.provider);
  text(r.model);
  text(r.rotation);
  number(r.attempts);
  number(r.prompt_tokens);
  number(r.completion_tokens);
  number(r.cached_tokens);
  number(r.cache_write_tokens);
  number(r.reasoning_tokens);
  flag(r.tokens_estimated);
  if (r.cost) fmt::format_to(std::back_inserter(out), "{}", *r.cost);  // empty: unpriced
  out += ',';
  number(r.latency_ms);
  if (r.ttfb_ms >= 0) fmt::format_to(std::back_inserter(out), "{}", r.ttfb_ms);  // empty: nothing was sent
  out += ',';
  number(r.status);
  text(r.error_kind);
  flag(r.streamed);
  flag(r.aborted);
  number(r.effective_context);
  // Empty: no autoselect was asked.
  text(r.autoselected);
  append_csv_cell(out, r.autoselected_by);
  out += "\r\n";
}

}  // namespace aisbf::api
