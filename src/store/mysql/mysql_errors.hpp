// MariaDB error numbers → StoreError (pure, so it is tested without a server).
#pragma once

#include <string_view>

#include "store/store.hpp"

namespace aisbf::store {

// A client-side connection error or a server error that ends the session:
// the connection is no longer usable.
bool mysql_connection_lost(unsigned code);

// 1062 → conflict; a lost connection or a timeout → unavailable; the rest →
// internal. Messages that can quote a bound value (duplicate entries,
// incorrect or truncated values) have their quoted parts masked.
StoreError map_mysql_error(unsigned code, std::string_view sqlstate, std::string_view message);

}  // namespace aisbf::store
