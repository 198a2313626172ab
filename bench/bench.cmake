# Benchmark tools, run by bench/run (see bench/README.md). Plain POSIX/epoll,
# no dependencies: they build in seconds and are always optimised.
foreach(tool relay loadgen)
  add_executable(bench-${tool} ${CMAKE_CURRENT_LIST_DIR}/${tool}.cpp)
  target_compile_options(bench-${tool} PRIVATE -O2)
  set_target_properties(bench-${tool} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endforeach()

# Instructions per credential lookup (auth/; bench/auth-lookup), optimised:
# it compiles the auth sources it needs rather than linking aisbf_logic.
# Built only when asked for.
add_executable(bench-auth-lookup EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/auth_lookup.cpp
  ${CMAKE_SOURCE_DIR}/src/auth/account_index.cpp ${CMAKE_SOURCE_DIR}/src/auth/api_tokens.cpp
  ${CMAKE_SOURCE_DIR}/src/auth/sodium_init.cpp ${CMAKE_SOURCE_DIR}/src/auth/token_auth.cpp)
target_compile_options(bench-auth-lookup PRIVATE -O2)
target_include_directories(bench-auth-lookup PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(bench-auth-lookup PRIVATE Boost::headers PkgConfig::SODIUM)
set_target_properties(bench-auth-lookup PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

# The Store's usage report at 10 million rows (bench/store_usage.cpp), always
# optimised: it compiles the store's sources itself rather than linking the
# (possibly sanitised, unoptimised) aisbf_logic. Not run by ctest; built
# only when asked for (its second compile of the store cost CI's build
# about 170 s of CPU).
file(GLOB_RECURSE BENCH_STORE_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/store/*.cpp)
list(FILTER BENCH_STORE_SOURCES EXCLUDE REGEX "_(test|fuzz)\\.cpp$")
add_executable(bench-store-usage EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/store_usage.cpp ${BENCH_STORE_SOURCES})
target_compile_options(bench-store-usage PRIVATE -O2)
target_include_directories(bench-store-usage PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(bench-store-usage PRIVATE Boost::json fmt::fmt SQLite::SQLite3 PostgreSQL::PostgreSQL
  PkgConfig::MARIADB PkgConfig::SODIUM)
set_target_properties(bench-store-usage PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

# The usage writer's cost per row (bench/usage_writer.cpp), built the same
# way; only when asked for.
add_executable(bench-usage-writer EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/usage_writer.cpp ${BENCH_STORE_SOURCES})
target_compile_options(bench-usage-writer PRIVATE -O2)
target_include_directories(bench-usage-writer PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(bench-usage-writer PRIVATE Boost::json fmt::fmt spdlog::spdlog SQLite::SQLite3
  PostgreSQL::PostgreSQL PkgConfig::MARIADB PkgConfig::SODIUM)
set_target_properties(bench-usage-writer PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

# Tokenizer throughput (bench/tokenizer.cpp, Google Benchmark), always
# optimised: it compiles context/ itself. Only when asked for, and only where
# libbenchmark-dev is installed.
find_package(benchmark QUIET)
if(benchmark_FOUND)
  file(GLOB BENCH_CONTEXT_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/context/*.cpp)
  list(FILTER BENCH_CONTEXT_SOURCES EXCLUDE REGEX "_(test|fuzz|cli)\\.cpp$")
  add_executable(bench-tokenizer EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/tokenizer.cpp ${BENCH_CONTEXT_SOURCES}
    ${CMAKE_SOURCE_DIR}/src/core/gateway_error.cpp)
  target_compile_options(bench-tokenizer PRIVATE -O2)
  target_compile_definitions(bench-tokenizer PRIVATE AISBF_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  target_include_directories(bench-tokenizer PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(bench-tokenizer PRIVATE benchmark::benchmark Boost::json fmt::fmt PkgConfig::PCRE2 PkgConfig::SODIUM)
  set_target_properties(bench-tokenizer PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

  # The local condensation methods on a 100k-token agent history
  # (bench/condense.cpp), built the same way.
  add_executable(bench-condense EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/condense.cpp ${BENCH_CONTEXT_SOURCES}
    ${CMAKE_SOURCE_DIR}/src/core/gateway_error.cpp)
  target_compile_options(bench-condense PRIVATE -O2)
  target_compile_definitions(bench-condense PRIVATE AISBF_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  target_include_directories(bench-condense PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(bench-condense PRIVATE benchmark::benchmark Boost::json fmt::fmt PkgConfig::PCRE2
    PkgConfig::SODIUM)
  set_target_properties(bench-condense PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endif()

# The condensation check's cost per attempt (bench/condense_check.cpp, Google
# Benchmark), optimised; only when asked for, where libbenchmark-dev is.
if(benchmark_FOUND)
  add_executable(bench-condense-check EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/condense_check.cpp
    ${CMAKE_SOURCE_DIR}/src/pipeline/condense_check.cpp)
  target_compile_options(bench-condense-check PRIVATE -O2)
  target_compile_definitions(bench-condense-check PRIVATE AISBF_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  target_include_directories(bench-condense-check PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(bench-condense-check PRIVATE benchmark::benchmark Boost::json)
  set_target_properties(bench-condense-check PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endif()

# The privacy classifier over a 100 KB conversation (bench/privacy.cpp,
# Google Benchmark), optimised; only when asked for, where libbenchmark-dev is.
if(benchmark_FOUND)
  add_executable(bench-privacy EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/privacy.cpp
    ${CMAKE_SOURCE_DIR}/src/routing/private_data.cpp ${CMAKE_SOURCE_DIR}/src/routing/private_data_checks.cpp)
  target_compile_options(bench-privacy PRIVATE -O2)
  target_compile_definitions(bench-privacy PRIVATE AISBF_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  target_include_directories(bench-privacy PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(bench-privacy PRIVATE benchmark::benchmark)
  set_target_properties(bench-privacy PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endif()

# BM25 selection over 50 autoselect candidates (bench/bm25.cpp): issue 11
# asks < 50 µs per request. Optimised; only when asked for.
if(benchmark_FOUND)
  add_executable(bench-bm25 EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/bm25.cpp ${CMAKE_SOURCE_DIR}/src/routing/bm25.cpp)
  target_compile_options(bench-bm25 PRIVATE -O2)
  target_include_directories(bench-bm25 PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(bench-bm25 PRIVATE benchmark::benchmark)
  set_target_properties(bench-bm25 PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endif()

# Autoselect's per-request decisions (bench/autoselect.cpp): BM25 + the
# hybrid semantic pick over 50 candidates (issue 11: < 50 µs), a decision
# cache hit and the conversation-prefix hash. Optimised; only when asked for.
if(benchmark_FOUND)
  add_executable(bench-autoselect EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/autoselect.cpp
    ${CMAKE_SOURCE_DIR}/src/routing/bm25.cpp ${CMAKE_SOURCE_DIR}/src/routing/semantic_select.cpp
    ${CMAKE_SOURCE_DIR}/src/routing/autoselect_cache.cpp)
  target_compile_options(bench-autoselect PRIVATE -O2)
  target_include_directories(bench-autoselect PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(bench-autoselect PRIVATE benchmark::benchmark Boost::json PkgConfig::SODIUM)
  set_target_properties(bench-autoselect PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endif()

# A response-cache hit in Redis (bench/redis_cache.cpp), on request:
# `cmake --build build --target bench-redis-cache`. Compiles the Redis
# sources itself at -O2; Asio comes from asio_impl.
add_executable(bench-redis-cache EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/redis_cache.cpp
  ${CMAKE_SOURCE_DIR}/src/http/resp.cpp ${CMAKE_SOURCE_DIR}/src/http/redis_client.cpp
  ${CMAKE_SOURCE_DIR}/src/pipeline/redis_cache_store.cpp ${CMAKE_SOURCE_DIR}/src/core/gateway_error.cpp)
target_compile_options(bench-redis-cache PRIVATE -O2)
target_include_directories(bench-redis-cache PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(bench-redis-cache PRIVATE asio_impl spdlog::spdlog fmt::fmt)
set_target_properties(bench-redis-cache PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
# The response cache's memory, SQLite and file backends: hit, miss and put of
# a 4 KB entry, and memory hits of large ones (bench/cache_backends.cpp, Google Benchmark). Optimised, compiling
# the sources it needs; only when asked for.
if(benchmark_FOUND)
  add_executable(bench-cache-backends EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/cache_backends.cpp
    ${CMAKE_SOURCE_DIR}/src/cache/backend_support.cpp ${CMAKE_SOURCE_DIR}/src/cache/sql_backend.cpp
    ${CMAKE_SOURCE_DIR}/src/cache/sql_cache_schema.cpp ${CMAKE_SOURCE_DIR}/src/cache/sqlite_backend.cpp
    ${CMAKE_SOURCE_DIR}/src/cache/file_entry.cpp
    ${CMAKE_SOURCE_DIR}/src/cache/file_backend.cpp ${CMAKE_SOURCE_DIR}/src/cache/memory_backend.cpp
    ${CMAKE_SOURCE_DIR}/src/store/sqlite/sqlite_driver.cpp
    ${CMAKE_SOURCE_DIR}/src/store/sql_row.cpp ${CMAKE_SOURCE_DIR}/src/core/gateway_error.cpp)
  target_compile_options(bench-cache-backends PRIVATE -O2)
  target_include_directories(bench-cache-backends PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(bench-cache-backends PRIVATE benchmark::benchmark fmt::fmt SQLite::SQLite3)
  set_target_properties(bench-cache-backends PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endif()
