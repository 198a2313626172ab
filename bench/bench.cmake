# Benchmark tools, run by bench/run (see bench/README.md). Plain POSIX/epoll,
# no dependencies: they build in seconds and are always optimised.
foreach(tool relay loadgen)
  add_executable(bench-${tool} ${CMAKE_CURRENT_LIST_DIR}/${tool}.cpp)
  target_compile_options(bench-${tool} PRIVATE -O2)
  set_target_properties(bench-${tool} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endforeach()

# Instructions per credential lookup (auth/; bench/auth-lookup): links the
# logic library, so it is built only when asked for.
add_executable(bench-auth-lookup EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/auth_lookup.cpp)
target_link_libraries(bench-auth-lookup PRIVATE aisbf_logic)
set_target_properties(bench-auth-lookup PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
