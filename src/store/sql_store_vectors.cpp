// SqlStore: autoselect's description vectors (schema version 5).
#include <algorithm>
#include <bit>
#include <cstdint>

#include <fmt/format.h>
#include <sodium.h>

#include "store/sql_store.hpp"
#include "store/sql_upsert.hpp"

namespace aisbf::store {

namespace {

// Keys per SELECT: well under every backend's limit on parameters.
constexpr std::size_t kKeysPerQuery = 100;
constexpr int kBase64 = sodium_base64_VARIANT_ORIGINAL;

// The floats as little-endian bytes, whatever the host's order, in base64.
std::string encode(const std::vector<float>& values) {
  std::string bytes;
  bytes.reserve(values.size() * 4);
  for (float f : values) {
    const auto bits = std::bit_cast<std::uint32_t>(f);
    for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<char>((bits >> shift) & 0xff));
  }
  std::string out(sodium_base64_encoded_len(bytes.size(), kBase64), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    kBase64);
  out.resize(out.size() - 1);  // the encoder's NUL
  return out;
}

// Null when the text is not base64 of exactly `dims` floats (a row written
// by hand, or cut): the caller embeds the text again.
std::optional<std::vector<float>> decode(std::string_view text, std::int64_t dims) {
  if (dims < 0 || static_cast<std::uint64_t>(dims) > text.size()) return std::nullopt;
  if (dims == 0) {  // no buffer to decode into (libsodium takes none)
    if (!text.empty()) return std::nullopt;
    return std::vector<float>{};
  }
  std::vector<unsigned char> bytes(static_cast<std::size_t>(dims) * 4);
  std::size_t length = 0;
  if (sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &length, nullptr, kBase64) != 0 ||
      length != bytes.size())
    return std::nullopt;
  std::vector<float> out;
  out.reserve(static_cast<std::size_t>(dims));
  for (std::size_t i = 0; i < bytes.size(); i += 4) {
    const std::uint32_t bits = std::uint32_t{bytes[i]} | std::uint32_t{bytes[i + 1]} << 8 |
                               std::uint32_t{bytes[i + 2]} << 16 | std::uint32_t{bytes[i + 3]} << 24;
    out.push_back(std::bit_cast<float>(bits));
  }
  return out;
}

}  // namespace

Result<std::vector<StoredVector>> SqlStore::find_vectors(std::string_view model_sha256,
                                                         std::span<const std::string> text_sha256s) {
  return read<std::vector<StoredVector>>([&](SqlConnection& conn) -> Result<std::vector<StoredVector>> {
    std::vector<StoredVector> out;
    for (std::size_t from = 0; from < text_sha256s.size(); from += kKeysPerQuery) {
      const std::size_t n = std::min(kKeysPerQuery, text_sha256s.size() - from);
      std::vector<SqlValue> p{std::string(model_sha256)};
      for (std::size_t i = from; i < from + n; ++i) p.emplace_back(text_sha256s[i]);
      const std::string sql = fmt::format(
          "SELECT text_sha256, dims, vector_base64, created_ms FROM description_vectors "
          "WHERE model_sha256 = ? AND text_sha256 IN {}",
          placeholders(n, 1));
      auto r = conn.query(sql, p, [&](const SqlRow& row) {
        if (auto values = decode(row.text(2), row.integer(1)))
          out.push_back(StoredVector{std::string(model_sha256), row.text(0), std::move(*values), row.integer(3)});
        return true;
      });
      if (!r) return r.error();
    }
    return out;
  });
}

Result<Done> SqlStore::put_vectors(std::span<const StoredVector> vectors, std::size_t keep) {
  static const std::string sqlite_pg =
      upsert_sql(Dialect::sqlite, "description_vectors",
                 {"model_sha256", "text_sha256", "dims", "vector_base64", "created_ms"}, {"model_sha256", "text_sha256"},
                 UpsertMode::replace);
  static const std::string mysql =
      upsert_sql(Dialect::mysql, "description_vectors",
                 {"model_sha256", "text_sha256", "dims", "vector_base64", "created_ms"}, {"model_sha256", "text_sha256"},
                 UpsertMode::replace);
  return transaction<Done>([&](SqlConnection& conn) -> Result<Done> {
    for (const StoredVector& v : vectors) {
      const SqlValue p[] = {v.model_sha256, v.text_sha256, static_cast<std::int64_t>(v.values.size()),
                            encode(v.values), v.created_ms};
      if (auto r = conn.exec(dialect_ == Dialect::mysql ? mysql : sqlite_pg, p); !r) return r.error();
    }
    auto pruned = keep_newest(conn, "description_vectors", "created_ms", keep);
    if (!pruned) return pruned.error();
    return Done{};
  });
}

}  // namespace aisbf::store
