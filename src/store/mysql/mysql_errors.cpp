#include "store/mysql/mysql_errors.hpp"

#include <errmsg.h>
#include <mysqld_error.h>

#include <string>

namespace aisbf::store {
namespace {

// Server errors whose text quotes a value without being in SQLSTATE class
// 22 or 23 (MariaDB reports them as HY000).
bool quotes_values(unsigned code) {
  switch (code) {
    case ER_TRUNCATED_WRONG_VALUE:            // 1292
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:  // 1366
    case ER_ILLEGAL_VALUE_FOR_TYPE:           // 1367
    case ER_WRONG_VALUE_FOR_TYPE:             // 1411
    case WARN_DATA_TRUNCATED:                 // 1265
      return true;
    default:
      return false;
  }
}

// 'alice' → '…': keeps the shape of the message, drops what was quoted.
std::string mask_quoted(std::string_view text) {
  std::string out;
  bool inside = false;
  for (char c : text) {
    if (c == '\'') {
      out += inside ? "…'" : "'";
      inside = !inside;
    } else if (!inside) {
      out += c;
    }
  }
  if (inside) out += "…";
  return out;
}

}  // namespace

bool mysql_connection_lost(unsigned code) {
  switch (code) {
    case CR_SOCKET_CREATE_ERROR:
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_IPSOCK_ERROR:
    case CR_UNKNOWN_HOST:
    case CR_SERVER_GONE_ERROR:
    case CR_VERSION_ERROR:
    case CR_WRONG_HOST_INFO:
    case CR_LOCALHOST_CONNECTION:
    case CR_TCP_CONNECTION:
    case CR_SERVER_HANDSHAKE_ERR:
    case CR_SERVER_LOST:
    case CR_SSL_CONNECTION_ERROR:
    case CR_MALFORMED_PACKET:
    case CR_CONN_UNKNOWN_PROTOCOL:
    case CR_SERVER_LOST_EXTENDED:
    case CR_ERR_NET_READ:
    case CR_ERR_NET_WRITE:
    case ER_CON_COUNT_ERROR:          // 1040 too many connections
    case ER_SERVER_SHUTDOWN:          // 1053
    case ER_ABORTING_CONNECTION:      // 1152
    case ER_NET_READ_ERROR:           // 1158
    case ER_NET_READ_INTERRUPTED:     // 1159
    case ER_NET_ERROR_ON_WRITE:       // 1160
    case ER_NET_WRITE_INTERRUPTED:    // 1161
    case ER_NEW_ABORTING_CONNECTION:  // 1184
    case ER_CONNECTION_KILLED:        // 1927
      return true;
    default:
      return false;
  }
}

StoreError map_mysql_error(unsigned code, std::string_view sqlstate, std::string_view message) {
  using Kind = StoreError::Kind;
  std::string text = (sqlstate.starts_with("22") || sqlstate.starts_with("23") || quotes_values(code))
                         ? mask_quoted(message)
                         : std::string(message);
  std::string full = "mariadb: " + text + " (" + std::to_string(code) + ")";
  if (code == ER_DUP_ENTRY) return StoreError{Kind::conflict, std::move(full)};
  if (mysql_connection_lost(code) || code == ER_STATEMENT_TIMEOUT || code == ER_LOCK_WAIT_TIMEOUT)
    return StoreError{Kind::unavailable, std::move(full)};
  return StoreError{Kind::internal, std::move(full)};
}

}  // namespace aisbf::store
