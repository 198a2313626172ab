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

std::optional<FileEntry> decode_file_head(std::string_view head, std::uint64_t file_size) {
  const std::uint64_t head_size = head.size();
  if (!head.starts_with(kMagic)) return std::nullopt;
  head.remove_prefix(kMagic.size());
  FileEntry entry;
  std::uint64_t lengths[3] = {};
  if (!take_number(head, entry.expires_ms, ' ') || !take_number(head, entry.seq, ' ') ||
      !take_number(head, lengths[0], ' ') || !take_number(head, lengths[1], ' ') ||
      !take_number(head, lengths[2], ' ') || !take_number(head, entry.value_size, '\n')) {
    return std::nullopt;
  }
  for (std::uint64_t n : lengths) {
    if (n > kMaxFileLabel || n > head.size()) return std::nullopt;
  }
  const std::uint64_t labels = lengths[0] + lengths[1] + lengths[2];  // small: each was checked
  const std::uint64_t header = head_size - head.size() + labels;      // the lines and the labels
  // Compared without adding the value size, so that a huge one cannot wrap.
  if (labels > head.size() || header > file_size || entry.value_size != file_size - header) return std::nullopt;
  entry.space = std::string(head.substr(0, lengths[0]));
  entry.provider = std::string(head.substr(lengths[0], lengths[1]));
  entry.model = std::string(head.substr(lengths[0] + lengths[1], lengths[2]));
  entry.value_offset = header;
  return entry;
}

std::optional<FileEntry> decode_file_entry(std::string_view bytes) {
  auto entry = decode_file_head(bytes.substr(0, kMaxFileHeader), bytes.size());
  if (entry) entry->value = bytes.substr(entry->value_offset);
  return entry;
}

}  // namespace aisbf::cache
