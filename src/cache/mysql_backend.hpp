// The response cache in a MySQL/MariaDB database (AISBF's mysql_* fields),
// which several gateways may share.
#pragma once

#include <memory>

#include "cache/backend.hpp"
#include "cache/backend_options.hpp"

namespace aisbf::cache {

// Connects on first use; the password never appears in an error (the
// driver's messages name the host and user only).
std::unique_ptr<Backend> make_mysql_backend(const MysqlOptions& options, BackendLimits limits);

}  // namespace aisbf::cache
