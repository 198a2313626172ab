// The loaders over four documents, whatever they came from: files
// (config_files.cpp) or JSON values handed over by the admin API or the
// store. Both paths run this, so they give the same snapshot and diagnostics.
#include "config/defaults.hpp"
#include "config/load_internal.hpp"

namespace aisbf::config_detail {

namespace {

using Loader = bool (*)(const json::value&, const LoadContext&, DiagSink&, Config&);

}  // namespace

LoadOutcome load_documents(const std::filesystem::path& dir, const DocumentSource& source,
                           const LoadOptions& options) {
  LoadOutcome out;
  out.config.dir = dir;
  const LoadContext ctx{options.reserved_route_words, options.env_keys_for ? &options.env_keys_for : nullptr};
  constexpr std::array<Loader, 4> kLoaders = {load_aisbf, load_providers, load_rotations, load_autoselects};
  std::vector<DiagSink> sinks;
  sinks.reserve(kConfigFiles.size());
  bool ids_ok = true;
  for (std::size_t i = 0; i < kConfigFiles.size(); ++i) {
    Document doc = source(i, out.diagnostics);
    DiagSink& sink = sinks.emplace_back(out.diagnostics, std::move(doc.label));
    const bool loaded = doc.root && kLoaders[i](*doc.root, ctx, sink, out.config);
    if (!loaded && kConfigFiles[i] != kAisbfFile) ids_ok = false;
  }
  warn_plain_http_keys(out.config, sinks[1]);
  note_response_cache_use(out.config);
  // With an id file unreadable or its structure broken, references into it
  // would all look broken.
  if (ids_ok) {
    cross_check(out.config, IdFileSinks{&sinks[1], &sinks[2], &sinks[3]});
    resolve_condensation(out.config, sinks[1]);
    warn_plain_http_rotation_keys(out.config, sinks[2]);
  }
  return out;
}

LoadOutcome load_values(const ConfigValues& values, const LoadOptions& options) {
  const std::array<const std::optional<json::value>*, 4> docs = {&values.aisbf, &values.providers, &values.rotations,
                                                                 &values.autoselect};
  auto give = [&](std::size_t i, std::vector<Diagnostic>& out) {
    std::string file(kConfigFiles[i]);
    if (docs[i]->has_value()) return Document{std::move(file), **docs[i]};
    // As a missing file: AISBF's default, labelled as such.
    DiagSink sink(out, file + " (built-in default)");
    std::optional<json::value> root = parse_json_text(default_file_text(kConfigFiles[i]), sink);
    return Document{sink.file(), std::move(root)};
  };
  return load_documents(values.dir, give, options);
}

}  // namespace aisbf::config_detail
