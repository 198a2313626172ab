// SqlStore: users' config documents and meta values.
#include <fmt/format.h>

#include "store/sql_store.hpp"
#include "store/sql_upsert.hpp"

namespace aisbf::store {

namespace {

std::optional<DocKind> doc_kind_from(std::string_view name) {
  for (DocKind kind : {DocKind::provider, DocKind::rotation, DocKind::autoselect}) {
    if (name == doc_kind_name(kind)) return kind;
  }
  return std::nullopt;
}

ConfigDoc doc_from(const SqlRow& r) {
  return ConfigDoc{r.text(0), doc_kind_from(r.text(1)).value_or(DocKind::provider), r.text(2), r.text(3), r.integer(4)};
}

}  // namespace

Result<Done> SqlStore::put_doc(const ConfigDoc& d) {
  static const std::string sqlite_pg =
      upsert_sql(Dialect::sqlite, "config_docs", {"username", "kind", "id", "json", "updated_ms"},
                 {"username", "kind", "id"}, UpsertMode::replace);
  static const std::string mysql =
      upsert_sql(Dialect::mysql, "config_docs", {"username", "kind", "id", "json", "updated_ms"},
                 {"username", "kind", "id"}, UpsertMode::replace);
  const SqlValue p[] = {d.username, doc_kind_name(d.kind), d.id, d.json, d.updated_ms};
  return write<Done>([&](SqlConnection& conn) -> Result<Done> {
    auto r = conn.exec(dialect_ == Dialect::mysql ? mysql : sqlite_pg, p);
    if (!r) return r.error();
    return Done{};
  });
}

Result<std::optional<ConfigDoc>> SqlStore::get_doc(std::string_view username, DocKind kind, std::string_view id) {
  const SqlValue p[] = {std::string(username), doc_kind_name(kind), std::string(id)};
  return read<std::optional<ConfigDoc>>([&](SqlConnection& conn) -> Result<std::optional<ConfigDoc>> {
    std::optional<ConfigDoc> out;
    auto r = conn.query(
        "SELECT username, kind, id, json, updated_ms FROM config_docs WHERE username = ? AND kind = ? AND id = ?", p,
        [&](const SqlRow& row) {
          out = doc_from(row);
          return false;
        });
    if (!r) return r.error();
    return out;
  });
}

// By kind in DocKind order (provider, rotation, autoselect), then id: the
// order is fixed here rather than by the kind's spelling.
Result<std::vector<ConfigDoc>> SqlStore::list_docs(std::string_view username) {
  const SqlValue p[] = {std::string(username)};
  return read<std::vector<ConfigDoc>>([&](SqlConnection& conn) -> Result<std::vector<ConfigDoc>> {
    std::vector<ConfigDoc> out;
    auto r = conn.query(
        "SELECT username, kind, id, json, updated_ms FROM config_docs WHERE username = ? "
        "ORDER BY CASE kind WHEN 'provider' THEN 0 WHEN 'rotation' THEN 1 ELSE 2 END, id",
        p, [&](const SqlRow& row) {
          out.push_back(doc_from(row));
          return true;
        });
    if (!r) return r.error();
    return out;
  });
}

Result<Done> SqlStore::delete_doc(std::string_view username, DocKind kind, std::string_view id) {
  const SqlValue p[] = {std::string(username), doc_kind_name(kind), std::string(id)};
  return write<Done>([&](SqlConnection& conn) {
    return expect_one_row(conn.exec("DELETE FROM config_docs WHERE username = ? AND kind = ? AND id = ?", p),
                          "document");
  });
}

Result<std::optional<std::string>> SqlStore::get_meta(std::string_view key) {
  const SqlValue p[] = {std::string(key)};
  return read<std::optional<std::string>>([&](SqlConnection& conn) -> Result<std::optional<std::string>> {
    std::optional<std::string> out;
    auto r = conn.query("SELECT meta_value FROM meta WHERE meta_key = ?", p, [&](const SqlRow& row) {
      out = row.text(0);
      return false;
    });
    if (!r) return r.error();
    return out;
  });
}

Result<Done> SqlStore::put_meta(std::string_view key, std::string_view value) {
  static const std::string sqlite_pg =
      upsert_sql(Dialect::sqlite, "meta", {"meta_key", "meta_value"}, {"meta_key"}, UpsertMode::replace);
  static const std::string mysql =
      upsert_sql(Dialect::mysql, "meta", {"meta_key", "meta_value"}, {"meta_key"}, UpsertMode::replace);
  const SqlValue p[] = {std::string(key), std::string(value)};
  return write<Done>([&](SqlConnection& conn) -> Result<Done> {
    auto r = conn.exec(dialect_ == Dialect::mysql ? mysql : sqlite_pg, p);
    if (!r) return r.error();
    return Done{};
  });
}

}  // namespace aisbf::store
