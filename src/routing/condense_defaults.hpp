// The condensation cascade's built-in layer (docs/config.md): a threshold
// without methods runs kDefaultCondenseMethods (lossless first, then the one
// that always shrinks, neither asks a model); methods without a threshold,
// and every model while aisbf.json's switch is "enabled", start at
// kDefaultCondensePercent, AISBF's dashboard default.
#pragma once

#include <array>
#include <cstdint>

#include "context/condense.hpp"

namespace aisbf::routing {

inline constexpr std::int64_t kDefaultCondensePercent = 80;
inline constexpr std::array<context::CondenseMethod, 2> kDefaultCondenseMethods = {
    context::CondenseMethod::algorithmic, context::CondenseMethod::sliding_window};

}  // namespace aisbf::routing
