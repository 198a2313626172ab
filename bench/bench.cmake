# Benchmark tools, run by bench/run (see bench/README.md). Plain POSIX/epoll,
# no dependencies: they build in seconds and are always optimised.
foreach(tool relay loadgen)
  add_executable(bench-${tool} ${CMAKE_CURRENT_LIST_DIR}/${tool}.cpp)
  target_compile_options(bench-${tool} PRIVATE -O2)
  set_target_properties(bench-${tool} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endforeach()
