// The response cache's in-process backend (`backend: memory`): an LRU list
// bounded by entries (`max_memory_cache`) and by bytes (`max_memory_bytes`),
// each entry kept until it expires. Thread-safe behind one mutex held only
// for a lookup or an insertion (never for an allocation it can avoid, never
// for I/O): it is called in place on the event loops.
#pragma once

#include <cstdint>
#include <memory>

#include "cache/backend.hpp"

namespace aisbf::cache {

struct MemoryLimits {
  std::uint64_t max_entries = 1000;
  std::uint64_t max_bytes = 64ull * 1024 * 1024;  // keys, values and labels
};

std::unique_ptr<Backend> make_memory_backend(const MemoryLimits& limits);

}  // namespace aisbf::cache
