#include "ops/access_log.hpp"

#include <fmt/format.h>

#include "core/redact.hpp"

namespace aisbf::ops {

namespace {

constexpr std::size_t kFieldBytes = 256;

// Bounded; control characters, quotes and backslashes escaped (the same
// escapes serve JSON strings and logfmt's quoted values).
void append_escaped(std::string& out, std::string_view text) {
  if (text.size() > kFieldBytes) text = text.substr(0, kFieldBytes);
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
}

bool bare_logfmt(std::string_view text) {
  if (text.empty() || text.size() > kFieldBytes) return false;
  for (unsigned char c : text) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return false;
  }
  return true;
}

class Line {
 public:
  explicit Line(LogFormat format) : format_(format) { out_.reserve(384); }
  void text(std::string_view key, std::string_view value) {
    begin(key);
    if (format_ == LogFormat::logfmt && bare_logfmt(value)) {
      out_.append(value);
      return;
    }
    out_.push_back('"');
    append_escaped(out_, value);
    out_.push_back('"');
  }
  void number(std::string_view key, std::int64_t value) {
    begin(key);
    const fmt::format_int digits(value);
    out_.append(digits.data(), digits.size());
  }
  std::string finish() {
    out_.append(format_ == LogFormat::json ? "}\n" : "\n");
    return std::move(out_);
  }

 private:
  void begin(std::string_view key) {
    if (format_ == LogFormat::json) {
      out_.append(first_ ? "{\"" : ",\"");
      out_.append(key);
      out_.append("\":");
    } else {
      if (!first_) out_.push_back(' ');
      out_.append(key);
      out_.push_back('=');
    }
    first_ = false;
  }
  LogFormat format_;
  std::string out_;
  bool first_ = true;
};

bool has_long_segment(std::string_view path) {
  std::size_t run = 0;
  for (char c : path) {
    run = c == '/' ? 0 : run + 1;
    if (run >= 16) return true;
  }
  return false;
}

}  // namespace

LogFormat log_format_from(std::string_view name) { return name == "json" ? LogFormat::json : LogFormat::logfmt; }

std::string format_access_line(const AccessRecord& r, LogFormat format) {
  Line line(format);
  line.number("ts_ms", r.time_ms);
  line.text("event", "access");
  line.text("request_id", r.request_id);
  line.text("client", r.client);
  line.text("method", r.method);
  // Most targets hold nothing to mask: no query, no segment long enough to
  // be a token (looks_like_token wants 16 bytes at least).
  if (r.target.find('?') == std::string_view::npos && !has_long_segment(r.target)) {
    line.text("path", r.target);
  } else {
    line.text("path", redact_target(r.target));
  }
  line.text("route", r.route.empty() ? "-" : r.route);
  line.text("user", r.user.empty() ? "-" : r.user);
  line.text("model", r.model.empty() ? "-" : r.model);
  line.text("provider", r.provider.empty() ? "-" : r.provider);
  line.text("upstream_model", r.upstream_model.empty() ? "-" : r.upstream_model);
  line.number("status", r.status);
  line.number("attempts", r.attempts);
  line.number("prompt_tokens", r.prompt_tokens);
  line.number("completion_tokens", r.completion_tokens);
  line.number("latency_us", r.latency_us);
  line.number("ttfb_us", r.ttfb_us);
  return line.finish();
}

}  // namespace aisbf::ops

namespace aisbf::ops {

namespace {

bool lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_traceparent(std::string_view v) {
  if (v.size() != 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return false;
  const auto version = v.substr(0, 2), trace = v.substr(3, 32), parent = v.substr(36, 16), flags = v.substr(53, 2);
  if (version != "00" || !lower_hex(trace) || !lower_hex(parent) || !lower_hex(flags)) return false;
  return trace.find_first_not_of('0') != std::string_view::npos &&
         parent.find_first_not_of('0') != std::string_view::npos;
}

}  // namespace aisbf::ops
