#include "cache/backend_support.hpp"

#include <cstdlib>
#include <string>

namespace aisbf::cache {

bool valid_key(std::string_view key) {
  if (key.size() != kKeyDigits) return false;
  for (char c : key) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

std::int64_t to_unix_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool keepable(std::uint64_t value_size, const BackendLimits& limits, std::int64_t expires_ms) {
  return value_size <= limits.max_bytes && limits.max_entries > 0 && expires_ms > to_unix_ms(Clock::now());
}

std::string expand_home(const std::string& path) {
  if (path.empty() || path[0] != '~' || (path.size() > 1 && path[1] != '/')) return path;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "") + path.substr(1);
}

GatewayError backend_error(std::string_view name, std::string_view detail) {
  std::string message = "response cache (";
  message += name;
  message += "): ";
  message += detail;
  return make_error(ErrorKind::unavailable, std::move(message));
}

}  // namespace aisbf::cache
