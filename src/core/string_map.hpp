// A string-keyed map looked up by string_view without building a std::string:
// the shared state (health, limits) and the routing table are searched on
// every request and written rarely.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace aisbf {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

// The entry for `key`, created (default-constructed) on first use.
template <class Value>
Value& find_or_create(StringMap<Value>& map, std::string_view key) {
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(std::string(key), Value{}).first;
  return it->second;
}

// Removes `key`, or every entry when `key` is empty (the admin reset).
// Returns whether anything was removed.
template <class Value>
bool erase_or_clear(StringMap<Value>& map, std::string_view key) {
  if (key.empty()) {
    const bool any = !map.empty();
    map.clear();
    return any;
  }
  auto it = map.find(key);
  if (it == map.end()) return false;
  map.erase(it);
  return true;
}

}  // namespace aisbf
