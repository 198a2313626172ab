// libFuzzer target for the file backend's entry format (run by
// scripts/fuzz.sh): a cache directory's files are read back after crashes,
// disk errors and hands, so any bytes must decode or be refused cleanly.
// Checked: what decodes re-encodes to something that decodes to the same
// entry, and the head alone (decode_file_head) agrees with the whole.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cache/file_entry.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto entry = aisbf::cache::decode_file_entry(bytes);
  auto head = aisbf::cache::decode_file_head(bytes.substr(0, aisbf::cache::kMaxFileHeader), bytes.size());
  check(entry.has_value() == head.has_value());
  if (!entry) return 0;
  check(head->value_size == entry->value.size() && head->value_offset + head->value_size == bytes.size());
  check(head->space == entry->space && head->provider == entry->provider && head->model == entry->model);
  auto again = aisbf::cache::encode_file_entry(
      aisbf::cache::EntryLabels{entry->space, entry->provider, entry->model}, entry->value, entry->expires_ms,
      entry->seq);
  check(again.has_value());
  auto round = aisbf::cache::decode_file_entry(*again);
  check(round && round->expires_ms == entry->expires_ms && round->seq == entry->seq && round->space == entry->space &&
        round->provider == entry->provider && round->model == entry->model && round->value == entry->value);
  return 0;
}
