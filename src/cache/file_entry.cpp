#include "cache/file_entry.hpp"

#include <charconv>

namespace aisbf::cache {
namespace {

constexpr std::string_view kMagic = "aisbf-cache 1\n";

// One decimal number and the separator after it; false unless both are there.
template <class T>
bool take_number(std::string_view& text, T& out, char separator) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || ptr == text.data() || ptr == text.data() + text.size() || *ptr != separator) return false;
  text.remove_prefix(static_cast<std::size_t>(ptr - text.data()) + 1);
  return true;
}

}  // namespace

std::optional<std::string> encode_file_entry(const EntryLabels& labels, std::string_view value, std::int64_t expires_ms,
                                             std::uint64_t seq) {
  if (labels.space.size() > kMaxFileLabel || labels.provider.size() > kMaxFileLabel ||
      labels.model.size() > kMaxFileLabel) {
    return std::nullopt;
  }
  std::string out(kMagic);
  out += std::to_string(expires_ms) + ' ' + std::to_string(seq) + ' ' + std::to_string(labels.space.size()) + ' ' +
         std::to_string(labels.provider.size()) + ' ' + std::to_string(labels.model.size()) + ' ' +
         std::to_string(value.size()) + '\n';
  out.reserve(out.size() + labels.space.size() + labels.provider.size() + labels.model.size() + value.size());
  out += labels.space;
  out += labels.provider;
  out += labels.model;
  out += value;
  return out;
}

std::optional<FileEntry> decode_file_entry(std::string_view bytes) {
  if (!bytes.starts_with(kMagic)) return std::nullopt;
  bytes.remove_prefix(kMagic.size());
  FileEntry entry;
  std::size_t lengths[3] = {};
  std::size_t value_size = 0;
  if (!take_number(bytes, entry.expires_ms, ' ') || !take_number(bytes, entry.seq, ' ') ||
      !take_number(bytes, lengths[0], ' ') || !take_number(bytes, lengths[1], ' ') ||
      !take_number(bytes, lengths[2], ' ') || !take_number(bytes, value_size, '\n')) {
    return std::nullopt;
  }
  for (std::size_t n : lengths) {
    if (n > kMaxFileLabel) return std::nullopt;
  }
  // Compared without adding, so that huge lengths cannot wrap around.
  if (value_size > bytes.size() || lengths[0] + lengths[1] + lengths[2] != bytes.size() - value_size) {
    return std::nullopt;
  }
  entry.space = std::string(bytes.substr(0, lengths[0]));
  entry.provider = std::string(bytes.substr(lengths[0], lengths[1]));
  entry.model = std::string(bytes.substr(lengths[0] + lengths[1], lengths[2]));
  entry.value = bytes.substr(lengths[0] + lengths[1] + lengths[2]);
  return entry;
}

}  // namespace aisbf::cache
