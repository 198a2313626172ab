// The OpenAPI 3.1 document of every route (src/api/openapi.json), embedded
// in the binary at build time (CMake writes it into a generated .cpp as a
// raw string): served at GET /api/openapi.json, never read from disk.
#pragma once

#include <string_view>

namespace aisbf::api {

std::string_view openapi_json();

}  // namespace aisbf::api
