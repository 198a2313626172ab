// What the blocking backends share (SQLite, MySQL/MariaDB, file): the key's
// form, times as stored, and their errors as values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cache/backend.hpp"
#include "cache/backend_options.hpp"
#include "core/gateway_error.hpp"

namespace aisbf::cache {

// Keys are the cache's SHA-256 digests: exactly 64 hex digits. Checked
// before a key reaches a file name or a statement, so that nothing else
// can; the file backend also takes only such names in its directory for
// entries, so that it never mistakes a file named `cafe` for one.
constexpr std::size_t kKeyDigits = 64;
bool valid_key(std::string_view key);

// Milliseconds since the epoch: how SQL rows and file headers keep expiry.
std::int64_t to_unix_ms(Clock::time_point t);

// Whether a put of `value_size` bytes expiring at `expires_ms` can be kept
// at all: false when larger than the bytes bound, no entry is allowed, or
// it has expired already (it would be swept at once; put says so instead).
bool keepable(std::uint64_t value_size, const BackendLimits& limits, std::int64_t expires_ms);

// A leading `~` or `~/` becomes $HOME (AISBF's paths are written that way).
std::string expand_home(const std::string& path);

// A failure of backend `name`: unavailable (the request goes on as a miss).
// `detail` must hold no secret and no stored value.
GatewayError backend_error(std::string_view name, std::string_view detail);

}  // namespace aisbf::cache
