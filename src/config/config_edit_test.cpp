// Edits of the config documents: an entry replaced in its place, a new one
// last, unknown keys and other entries kept in order, deletes refused while
// referenced, and the candidate checked by the loaders.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "config/config_edit.hpp"
#include "config/config_test_util.hpp"
#include "config/schema.hpp"

namespace aisbf::config_test {
namespace {

namespace json = boost::json;

constexpr const char* kProviders = R"({
  "comment": "kept",
  "providers": {
    "a": {"id": "a", "name": "A", "endpoint": "http://127.0.0.1:1/v1", "type": "openai", "api_key_required": false,
          "x_unknown": {"deep": [1, 2]}},
    "b": {"id": "b", "name": "B", "endpoint": "http://127.0.0.1:2/v1", "type": "openai", "api_key_required": false}
  }
})";
constexpr const char* kRotations = R"({"notifyerrors": false, "rotations": {
  "r": {"model_name": "r", "providers": [{"provider_id": "b", "models": [{"name": "m"}]}]}}})";
constexpr const char* kAutoselect = R"({"s": {"model_name": "s", "description": "d", "fallback": "r",
  "available_models": [{"model_id": "r", "description": "d"}]}})";

ConfigDocuments read(const TempDir& dir) {
  dir.write("aisbf.json", R"({"server": {"host": "127.0.0.1", "port": 1}, "auth": {"enabled": false, "tokens": []}})");
  dir.write("providers.json", kProviders);
  dir.write("rotations.json", kRotations);
  dir.write("autoselect.json", kAutoselect);
  auto got = read_config_documents(dir.path());
  EXPECT_TRUE(got.documents) << (got.errors.empty() ? "" : got.errors[0].message);
  return std::move(*got.documents);
}

std::vector<std::string> keys(const json::value& obj) {
  std::vector<std::string> out;
  for (const auto& kv : obj.as_object()) out.emplace_back(kv.key());
  return out;
}

TEST(ConfigEdit, PutReplacesInPlaceOrAppendsAndKeepsTheRest) {
  TempDir dir;
  auto docs = read(dir);
  json::object b2 = json::parse(R"({"id": "b", "name": "B2", "endpoint": "http://127.0.0.1:3/v1", "type": "openai",
                                     "api_key_required": false, "mine": 1})").as_object();
  EXPECT_EQ(put_entry(docs, EntryKind::provider, "b", b2).status, EditResult::Status::ok);
  json::object c = b2;
  c["id"] = "c";
  EXPECT_EQ(put_entry(docs, EntryKind::provider, "c", c).status, EditResult::Status::created);
  const auto& root = docs.doc(ConfigFile::providers);
  EXPECT_EQ(keys(root), (std::vector<std::string>{"comment", "providers"}));
  EXPECT_EQ(keys(root.at("providers")), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(root.at("providers").at("b").at("mine"), 1);
  EXPECT_EQ(root.at("providers").at("a").at("x_unknown"), json::parse(R"({"deep": [1, 2]})"));
  EXPECT_TRUE(docs.changed[static_cast<std::size_t>(ConfigFile::providers)]);
  EXPECT_FALSE(docs.changed[static_cast<std::size_t>(ConfigFile::rotations)]);

  ASSERT_FALSE(write_changed_documents(docs));
  auto again = load_config(dir.path());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.config->find_provider("b")->name, "B2");
  EXPECT_EQ(again.config->providers.size(), 3u);
}

TEST(ConfigEdit, DeleteRefusesAReferencedEntryNamingTheUser) {
  TempDir dir;
  auto docs = read(dir);
  auto used = delete_entry(docs, EntryKind::provider, "b");
  EXPECT_EQ(used.status, EditResult::Status::conflict);
  EXPECT_NE(used.message.find("rotation \"r\""), std::string::npos) << used.message;
  auto rotation = delete_entry(docs, EntryKind::rotation, "r");
  EXPECT_EQ(rotation.status, EditResult::Status::conflict);
  EXPECT_NE(rotation.message.find("\"s\""), std::string::npos) << rotation.message;
  EXPECT_EQ(delete_entry(docs, EntryKind::provider, "zz").status, EditResult::Status::not_found);
  EXPECT_EQ(delete_entry(docs, EntryKind::provider, "a").status, EditResult::Status::ok);
  EXPECT_EQ(keys(docs.doc(ConfigFile::providers).at("providers")), (std::vector<std::string>{"b"}));
  EXPECT_EQ(delete_entry(docs, EntryKind::autoselect, "s").status, EditResult::Status::ok);
  EXPECT_EQ(delete_entry(docs, EntryKind::rotation, "r").status, EditResult::Status::ok);
}

TEST(ConfigEdit, ACandidateWithErrorsIsReportedWithItsPath) {
  TempDir dir;
  auto docs = read(dir);
  json::object bad = json::parse(R"({"id": "a", "name": "A", "endpoint": 5, "type": "openai",
                                      "api_key_required": false})").as_object();
  put_entry(docs, EntryKind::provider, "a", bad);
  auto loaded = load_documents_config(docs, {});
  ASSERT_FALSE(loaded.ok());
  bool named = false;
  for (const auto& d : loaded.diagnostics) named = named || (d.file == "providers.json" && d.json_path == "providers.a.endpoint");
  EXPECT_TRUE(named);
}

TEST(ConfigEdit, SettingsReplaceSectionsAndNameWhatNeedsARestart) {
  TempDir dir;
  auto docs = read(dir);
  const json::value running = docs.doc(ConfigFile::aisbf);  // as the server read it when it started
  auto awaiting = [&] { return settings_awaiting_restart(running, docs.doc(ConfigFile::aisbf)); };
  put_settings(docs, json::parse(R"({"server": {"host": "127.0.0.1", "port": 2}, "new": {"k": 1}})").as_object());
  EXPECT_EQ(awaiting(), (std::vector<std::string>{"server.port"}));
  EXPECT_EQ(keys(docs.doc(ConfigFile::aisbf)), (std::vector<std::string>{"server", "auth", "new"}));
  // Measured against the start, not the previous write: the port stays named.
  put_settings(docs, json::parse(R"({"database": {"type": "sqlite"}})").as_object());
  EXPECT_EQ(awaiting(), (std::vector<std::string>{"server.port", "database"}));
  // A key added, changed or removed inside a section: only the start-only ones.
  put_settings(docs, json::parse(R"({"server": {"host": "127.0.0.1", "port": 2, "idle_timeout": 5,
    "max_body_bytes": 1000}, "response_cache": {"enabled": true, "ttl": 60, "backend": "memory"}})")
                         .as_object());
  EXPECT_EQ(awaiting(),
            (std::vector<std::string>{"server.port", "server.idle_timeout", "database", "response_cache.backend"}));
  put_settings(docs, json::parse(R"({"server": {"host": "127.0.0.1", "port": 2},
    "response_cache": {"enabled": false, "ttl": 1, "backend": "memory"}, "routing": {"max_tracked_keys": 10},
    "dashboard": {"username": "root"}})")
                         .as_object());
  EXPECT_EQ(awaiting(), (std::vector<std::string>{"server.port", "database", "response_cache.backend",
                                                  "routing.max_tracked_keys", "dashboard.username"}));
  // Put back as it was when the server started: no longer waiting.
  json::object back;
  for (std::string_view section : {"server", "database", "response_cache", "routing", "dashboard"}) {
    const json::value* v = running.as_object().if_contains(section);
    if (v != nullptr)
      back[section] = *v;
    else
      back[section] = json::object();
  }
  put_settings(docs, back);
  EXPECT_EQ(awaiting(), (std::vector<std::string>{"database"})) << "database: {} is not the absent section";
  docs.doc(ConfigFile::aisbf).as_object().erase("database");
  EXPECT_EQ(awaiting(), std::vector<std::string>{});
}

// Every path the admin API names as start-only or unused is a key aisbf.json
// may hold, so that a renamed key cannot leave a stale mark on the dashboard.
TEST(ConfigEdit, StartOnlyAndUnusedSettingsNameKnownKeys) {
  using namespace config_detail;
  const std::pair<std::string_view, const Schema*> sections[] = {
      {"server", &server_schema()},       {"response_cache", &response_cache_schema()},
      {"routing", &routing_schema()},     {"autoselect", &autoselect_defaults_schema()},
      {"dashboard", &dashboard_schema()}, {"tor", &tor_schema()}};
  auto check = [&](std::string_view path) {
    const auto dot = path.find('.');
    const std::string_view top = path.substr(0, dot);
    EXPECT_NE(aisbf_schema().kinds_of(top), 0u) << path;
    if (dot == std::string_view::npos) return;
    const Schema* schema = nullptr;
    for (const auto& [name, s] : sections) schema = name == top ? s : schema;
    ASSERT_NE(schema, nullptr) << path;
    EXPECT_NE(schema->kinds_of(path.substr(dot + 1)), 0u) << path;
  };
  for (auto path : start_only_settings()) check(path);
  for (auto path : unused_settings()) check(path);
  for (auto path : start_only_settings())
    for (auto unused : unused_settings()) EXPECT_NE(path, unused);
}

TEST(ConfigEdit, CondensationLivesWhereAisbfKeepsIt) {
  TempDir dir;
  auto docs = read(dir);
  auto ok = put_condensation(docs, json::parse(R"({"condensation_model_id": "m", "condensation_max_tokens": 500,
                                                   "mode": "enabled"})").as_object());
  EXPECT_EQ(ok.status, EditResult::Status::ok);
  const auto& aisbf = docs.doc(ConfigFile::aisbf);
  EXPECT_EQ(aisbf.at("internal_model").at("condensation_model_id"), "m");
  EXPECT_EQ(aisbf.at("internal_model").at("condensation_max_tokens"), 500);
  EXPECT_EQ(aisbf.at("feature_controls").at("context_condensation").at("mode"), "enabled");
  EXPECT_EQ(json::value(condensation_settings(aisbf)),
            json::parse(R"({"condensation_model_id": "m", "condensation_max_tokens": 500, "mode": "enabled"})"));
  auto low = put_condensation(docs, json::parse(R"({"condensation_max_tokens": 10})").as_object());
  EXPECT_EQ(low.status, EditResult::Status::invalid);
  EXPECT_EQ(low.message.rfind("condensation_max_tokens:", 0), 0u) << low.message;
  EXPECT_EQ(put_condensation(docs, json::parse(R"({"mode": "sometimes"})").as_object()).status,
            EditResult::Status::invalid);
  EXPECT_EQ(put_condensation(docs, json::parse(R"({"other": 1})").as_object()).status, EditResult::Status::invalid);
}

}  // namespace
}  // namespace aisbf::config_test
