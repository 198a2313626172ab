// One access-log line per request, as logfmt or JSON (server.log_format).
// Pure: a record in, a line (ending in '\n') out. Every text field is
// bounded and escaped; the target is redacted (redact.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aisbf::ops {

enum class LogFormat : std::uint8_t { logfmt, json };
LogFormat log_format_from(std::string_view name);  // "json" → json, else logfmt

struct AccessRecord {
  std::int64_t time_ms = 0;  // Unix ms when the request ended
  std::string_view request_id;
  std::string_view client;  // the client's address (behind trusted proxies: X-Forwarded-For's)
  std::string_view method;
  std::string_view target;  // as sent; redacted when written
  std::string_view route;   // the route table's name; "-" when none matched
  std::string_view user;    // the principal's user id; empty: none
  std::string_view model;   // the model the client asked for
  std::string_view provider;
  std::string_view upstream_model;
  int status = 0;
  std::int64_t prompt_tokens = 0, completion_tokens = 0;
  std::int64_t latency_us = 0;
  std::int64_t ttfb_us = -1;  // -1: nothing sent
  int attempts = 0;
};

// The line appended to `out` (which keeps what it held): the writer formats
// straight into its per-thread buffer, with no string per line.
void append_access_line(std::string& out, const AccessRecord& record, LogFormat format);
std::string format_access_line(const AccessRecord& record, LogFormat format);

}  // namespace aisbf::ops

namespace aisbf::ops {

// An x-request-id a trusted proxy sent that may be kept: 1–128 bytes of
// letters, digits and ._:-
bool acceptable_request_id(std::string_view id);
// A W3C traceparent of version 00: "00-<32 hex>-<16 hex>-<2 hex>", ids not all zero.
bool valid_traceparent(std::string_view value);

}  // namespace aisbf::ops
