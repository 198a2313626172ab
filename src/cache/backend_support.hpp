// What the blocking backends share (SQLite, MySQL/MariaDB, file): the key's
// form, times as stored, and their errors as values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cache/backend.hpp"
#include "core/gateway_error.hpp"

namespace aisbf::cache {

// Keys are the cache's hex digests: 1 to 128 hex digits. Checked before a
// key reaches a file name or a statement, so that nothing else can.
bool valid_key(std::string_view key);

// Milliseconds since the epoch: how SQL rows and file headers keep expiry.
std::int64_t to_unix_ms(Clock::time_point t);

// A leading `~` or `~/` becomes $HOME (AISBF's paths are written that way).
std::string expand_home(const std::string& path);

// A failure of backend `name`: unavailable (the request goes on as a miss).
// `detail` must hold no secret and no stored value.
GatewayError backend_error(std::string_view name, std::string_view detail);

}  // namespace aisbf::cache
