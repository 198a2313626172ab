# Integration and end-to-end tests: Node's built-in test runner drives the
# real aisbf and aisbf-mock binaries on loopback. Included from the root
# CMakeLists.txt inside if(AISBF_TESTS). See tests/README.md.

find_program(NODE node REQUIRED)

set(AISBF_TESTS_DIR ${CMAKE_CURRENT_LIST_DIR})
# Every process the tests start logs to files under AISBF_TEST_LOG_DIR; the
# fixture `test_logs` clears it first (logs.clear) and scans it for the
# configured secrets after the last test that uses it (logs.secret_scan,
# tests/log_scan.mjs), with -j too, and with -R selections.
set(AISBF_TEST_LOG_DIR ${CMAKE_BINARY_DIR}/test-logs)
set(AISBF_TEST_ENV "AISBF_BIN=$<TARGET_FILE:aisbf>;AISBF_MOCK_BIN=$<TARGET_FILE:aisbf-mock>;AISBF_TEST_LOG_DIR=${AISBF_TEST_LOG_DIR}")
add_test(NAME logs.clear COMMAND ${NODE} ${CMAKE_CURRENT_LIST_DIR}/log_scan.mjs --clear)
add_test(NAME logs.secret_scan COMMAND ${NODE} ${CMAKE_CURRENT_LIST_DIR}/log_scan.mjs)
set_tests_properties(logs.clear PROPERTIES ENVIRONMENT "AISBF_TEST_LOG_DIR=${AISBF_TEST_LOG_DIR}"
  FIXTURES_SETUP test_logs LABELS "integration;e2e")
set_tests_properties(logs.secret_scan PROPERTIES ENVIRONMENT "AISBF_TEST_LOG_DIR=${AISBF_TEST_LOG_DIR}"
  FIXTURES_CLEANUP test_logs LABELS "integration;e2e")
# Each file bounds its own waits; these are backstops. --test-timeout stays
# below the ctest TIMEOUT so Node's own cleanup (killing the binaries) runs.
set(AISBF_NODE_TEST_ARGS --test --test-reporter=spec --test-timeout=100000)

# integration.<name> for tests/integration/<name>.test.mjs. The soak test
# (integration.soak, label `soak` too) runs AISBF_SOAK_SECONDS (default 120)
# of traffic, so its backstops are longer.
file(GLOB AISBF_INTEGRATION_TESTS CONFIGURE_DEPENDS ${AISBF_TESTS_DIR}/integration/*.test.mjs)
foreach(file ${AISBF_INTEGRATION_TESTS})
  get_filename_component(name ${file} NAME)
  string(REGEX REPLACE "\\.test\\.mjs$" "" name ${name})
  set(node_args ${AISBF_NODE_TEST_ARGS})
  set(timeout 120)
  set(labels integration)
  if(name STREQUAL "soak")
    set(node_args --test --test-reporter=spec --test-timeout=280000)
    set(timeout 300)
    set(labels integration soak)
  endif()
  add_test(NAME integration.${name}
           COMMAND ${NODE} ${node_args} ${file}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(integration.${name} PROPERTIES
    ENVIRONMENT "${AISBF_TEST_ENV}"
    TIMEOUT ${timeout}
    FIXTURES_REQUIRED test_logs
    LABELS "${labels}")
endforeach()

# e2e.<name> for tests/e2e/<name>.test.mjs, once `npm ci` has run there.
# e2e.dashboard* (Chromium: pages checked in both themes and at 375 px,
# each suite bounded by its own timeout) get a longer backstop, as the soak
# does.
if(EXISTS ${AISBF_TESTS_DIR}/e2e/node_modules/openai)
  file(GLOB AISBF_E2E_TESTS CONFIGURE_DEPENDS ${AISBF_TESTS_DIR}/e2e/*.test.mjs)
  foreach(file ${AISBF_E2E_TESTS})
    get_filename_component(name ${file} NAME)
    string(REGEX REPLACE "\\.test\\.mjs$" "" name ${name})
    set(node_args ${AISBF_NODE_TEST_ARGS})
    set(timeout 120)
    if(name MATCHES "^dashboard")
      set(node_args --test --test-reporter=spec --test-timeout=220000)
      set(timeout 240)
    endif()
    add_test(NAME e2e.${name}
             COMMAND ${NODE} ${node_args} ${file}
             WORKING_DIRECTORY ${AISBF_TESTS_DIR}/e2e)
    set_tests_properties(e2e.${name} PROPERTIES
      ENVIRONMENT "${AISBF_TEST_ENV}"
      TIMEOUT ${timeout}
      FIXTURES_REQUIRED test_logs
      LABELS e2e)
  endforeach()
else()
  add_test(NAME e2e.missing_deps
           COMMAND ${NODE} -e "console.error('e2e tests need the openai SDK: run \"npm ci\" in ${AISBF_TESTS_DIR}/e2e, then re-run cmake'); process.exit(1)")
  set_tests_properties(e2e.missing_deps PROPERTIES LABELS e2e)
endif()

# web.unit: the dashboard's Vitest suite (web/src/**/*.test.ts: routes,
# form validation, provider health), once scripts/setup.sh has run `npm ci`
# in web/. Vite 8 and Vitest 4 need Node.js ^20.19 or >= 22.12; with an
# older Node (Debian 12's apt nodejs is 18) setup.sh leaves web/ unbuilt and
# web.unit is skipped, saying why (exit 77, SKIP_RETURN_CODE).
execute_process(COMMAND ${NODE} -p process.versions.node
                OUTPUT_VARIABLE AISBF_NODE_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if((AISBF_NODE_VERSION VERSION_GREATER_EQUAL 20.19 AND AISBF_NODE_VERSION VERSION_LESS 21)
   OR AISBF_NODE_VERSION VERSION_GREATER_EQUAL 22.12)
  set(AISBF_NODE_FITS_WEB ON)
else()
  set(AISBF_NODE_FITS_WEB OFF)
  message(STATUS "web.unit skipped: Node.js ${AISBF_NODE_VERSION} is older than ^20.19 || >=22.12 (Vite 8, Vitest 4)")
endif()
if(NOT AISBF_NODE_FITS_WEB)
  add_test(NAME web.unit
           COMMAND ${NODE} -e "console.log('skipped: the dashboard tests need Node.js ^20.19 or >= 22.12 (Vite 8, Vitest 4); this is ${AISBF_NODE_VERSION}'); process.exit(77)")
  set_tests_properties(web.unit PROPERTIES SKIP_RETURN_CODE 77 LABELS web)
elseif(EXISTS ${CMAKE_SOURCE_DIR}/web/node_modules/vitest/vitest.mjs)
  add_test(NAME web.unit
           COMMAND ${NODE} node_modules/vitest/vitest.mjs run
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/web)
  set_tests_properties(web.unit PROPERTIES TIMEOUT 120 LABELS web ENVIRONMENT "NO_COLOR=1")
else()
  add_test(NAME web.missing_deps
           COMMAND ${NODE} -e "console.error('the dashboard tests need its npm packages: run scripts/setup.sh (npm ci in web/), then re-run cmake'); process.exit(1)")
  set_tests_properties(web.missing_deps PROPERTIES LABELS web)
endif()

# fuzz.decoders: the libFuzzer targets (src/**/*_fuzz.cpp), built with clang
# by scripts/fuzz.sh outside this tree and run 8 s each. Registered only
# where a clang++ >= 16 with the libFuzzer runtime is installed (the script
# decides: `--check`); scripts/setup.sh --tests installs one.
execute_process(COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/fuzz.sh --check
                RESULT_VARIABLE AISBF_FUZZ_CHECK OUTPUT_QUIET ERROR_QUIET)
if(AISBF_FUZZ_CHECK EQUAL 0)
  add_test(NAME fuzz.decoders
           COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/fuzz.sh --seconds 8 --build-dir ${CMAKE_BINARY_DIR}/fuzz
                   --skip tokenizer
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(fuzz.decoders PROPERTIES TIMEOUT 600 LABELS fuzz)
  # fuzz.tokenizer: any bytes through both encodings (src/context/tokenizer_fuzz.cpp),
  # its own build folder so that it may run beside fuzz.decoders.
  add_test(NAME fuzz.tokenizer
           COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/fuzz.sh --seconds 8 --build-dir ${CMAKE_BINARY_DIR}/fuzz-tokenizer
                   tokenizer
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(fuzz.tokenizer PROPERTIES TIMEOUT 600 LABELS fuzz)
else()
  message(STATUS "fuzz.decoders not registered: no clang++ >= 16 with libFuzzer (scripts/setup.sh --tests)")
endif()

# store.conformance_postgres and store.conformance_mysql: the store's
# conformance suite and the driver's own tests against a throwaway server
# that tests/db/with_server.sh starts on 127.0.0.1 and stops afterwards
# (PostgreSQL 15 and MariaDB from scripts/setup.sh --tests).
if(TARGET aisbf_unit_tests)
  foreach(backend postgres mysql)
    if(backend STREQUAL "postgres")
      set(server postgres)
      set(suite PostgresDriver)
    else()
      set(server mariadb)
      set(suite MySQLDriver)
    endif()
    add_test(NAME store.conformance_${backend}
             COMMAND bash ${AISBF_TESTS_DIR}/db/with_server.sh ${server} --
                     $<TARGET_FILE:aisbf_unit_tests> "--gtest_filter=StoreConformance*:*${suite}*"
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
    # with_server.sh stops the tests at 150 s, so its cleanup runs before ctest's timeout.
    set_tests_properties(store.conformance_${backend} PROPERTIES
      ENVIRONMENT "AISBF_DB_TEST_SECONDS=150"
      TIMEOUT 210
      LABELS store)
  endforeach()
endif()

# redis.client: the RESP parser, the Redis client and the Redis cache store
# against a throwaway redis-server (tests/db/with_server.sh redis; the
# outage tests start scratch servers of their own through server.sh).
if(TARGET aisbf_unit_tests)
  add_test(NAME redis.client
           COMMAND bash ${AISBF_TESTS_DIR}/db/with_server.sh redis --
                   $<TARGET_FILE:aisbf_unit_tests> "--gtest_filter=Resp*:RedisClient*:RedisCacheStore*"
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(redis.client PROPERTIES
    ENVIRONMENT "AISBF_DB_TEST_SECONDS=150"
    TIMEOUT 210
    LABELS redis)
endif()

# cache.conformance_mysql: the response cache's backend suite
# (src/cache/backend_conformance_test.cpp) with its MariaDB instance too, on
# a throwaway server as above; SQLite and file run in the plain unit run.
if(TARGET aisbf_unit_tests)
  add_test(NAME cache.conformance_mysql
           COMMAND bash ${AISBF_TESTS_DIR}/db/with_server.sh mariadb --
                   $<TARGET_FILE:aisbf_unit_tests> "--gtest_filter=*BackendConformance*"
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(cache.conformance_mysql PROPERTIES
    ENVIRONMENT "AISBF_DB_TEST_SECONDS=150"
    TIMEOUT 210
    LABELS store)
endif()

# store.gateway_postgres and store.gateway_mysql: the aisbf binary itself on
# a throwaway PostgreSQL or MariaDB server (tests/integration/store_backends
# runs its body on the backend whose URL with_server.sh exports; without
# one, as integration.store_backends, on SQLite), and store_outage: a
# scratch server of that kind taken away or hung under a running aisbf.
foreach(backend postgres mysql)
  if(backend STREQUAL "postgres")
    set(server postgres)
  else()
    set(server mariadb)
  endif()
  set(files store_backends store_outage)
  list(TRANSFORM files PREPEND ${AISBF_TESTS_DIR}/integration/)
  list(TRANSFORM files APPEND .test.mjs)
  add_test(NAME store.gateway_${backend}
           COMMAND bash ${AISBF_TESTS_DIR}/db/with_server.sh ${server} -- ${NODE} ${AISBF_NODE_TEST_ARGS} ${files}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(store.gateway_${backend} PROPERTIES
    ENVIRONMENT "${AISBF_TEST_ENV};AISBF_DB_TEST_SECONDS=150"
    TIMEOUT 210
    FIXTURES_REQUIRED test_logs
    LABELS store)
endforeach()

# cache.gateway_redis and cache.gateway_mysql: the aisbf binary with its
# response cache on a throwaway redis-server / MariaDB (with_server.sh
# exports its URL): response_cache_redis (miss/hit, streams, namespaces,
# ttl, stats/clear, key prefix, db and password read back from Redis, and
# Redis down, killed, restarted and hung under a running gateway, on
# scratch servers of its own) and response_cache_backends (its mysql test;
# the rest also runs, without a server, as integration.*).
foreach(backend redis mysql)
  if(backend STREQUAL "redis")
    set(server redis)
    set(file response_cache_redis)
    set(label redis)
  else()
    set(server mariadb)
    set(file response_cache_backends)
    set(label store)
  endif()
  add_test(NAME cache.gateway_${backend}
           COMMAND bash ${AISBF_TESTS_DIR}/db/with_server.sh ${server} -- ${NODE} ${AISBF_NODE_TEST_ARGS}
                   ${AISBF_TESTS_DIR}/integration/${file}.test.mjs
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(cache.gateway_${backend} PROPERTIES
    ENVIRONMENT "${AISBF_TEST_ENV};AISBF_DB_TEST_SECONDS=150"
    TIMEOUT 210
    FIXTURES_REQUIRED test_logs
    LABELS ${label})
endforeach()
