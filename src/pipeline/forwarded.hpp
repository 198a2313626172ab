// The client as it sent the request, behind the reverse proxies listed in
// server.trusted_proxies: its address (login throttle, logs, anything keyed
// on an address), whether it used https (the session cookie's Secure flag)
// (X-Forwarded-Host is not read: no link aisbf builds is absolute). Every
// line of a repeated header counts, in order. Worked out once per request, on first use, so
// a request that needs none of it pays nothing.
#pragma once

#include "core/ip_range.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

const ClientView& client_of(const http::Exchange& ex, RequestContext& ctx);
// client_of(…).address, without building the view when no proxy is
// trusted (the access log asks it of every request).
std::string_view client_address_of(const http::Exchange& ex, RequestContext& ctx);

}  // namespace aisbf
