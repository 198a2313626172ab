// BackendOptions → the blocking backend that runs on the DB pool: sqlite,
// mysql (or mariadb) and file. memory (called in place) and redis
// (asynchronous, pipeline/) are built by their own factories.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cache/backend.hpp"
#include "cache/backend_options.hpp"
#include "core/expected.hpp"

namespace aisbf::cache {

// The backend's canonical name: "sqlite", "mysql", "file", "memory",
// "redis"; empty when `backend` is none of them (any case; "mariadb" is
// "mysql").
std::string backend_kind(std::string_view backend);

// Nothing is opened yet: each backend connects or creates its directory on
// first use. An error only for a backend that is not one of these three.
Expected<std::unique_ptr<Backend>> make_pooled_backend(const BackendOptions& options);

}  // namespace aisbf::cache
