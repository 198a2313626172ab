// The four files as editable JSON documents, for the admin API: read from
// the directory, changed in memory (config_edit.hpp), checked by the same
// loaders as a reload, and written back atomically, only those that
// changed. Everything else in a file (unknown keys, other entries, their
// order) goes back as it was read.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "config/config.hpp"
#include "config/config_writer.hpp"

namespace aisbf {

enum class ConfigFile : std::size_t { aisbf, providers, rotations, autoselect };
std::string_view config_file_name(ConfigFile file);

struct ConfigDocuments {
  std::filesystem::path dir;
  std::array<boost::json::value, 4> docs;  // a missing file: AISBF's default document
  std::array<bool, 4> changed{};

  boost::json::value& doc(ConfigFile f) { return docs[static_cast<std::size_t>(f)]; }
  const boost::json::value& doc(ConfigFile f) const { return docs[static_cast<std::size_t>(f)]; }
  void mark_changed(ConfigFile f) { changed[static_cast<std::size_t>(f)] = true; }
};

struct DocumentsRead {
  std::optional<ConfigDocuments> documents;  // none when a file is unreadable or not JSON
  std::vector<Diagnostic> errors;
};
DocumentsRead read_config_documents(const std::filesystem::path& dir);

// The snapshot the documents give, as load_config would give it once they
// are written (the same loaders, the same diagnostics but file modes).
LoadResult load_documents_config(const ConfigDocuments& documents, const LoadOptions& options);

// Writes the changed documents (aisbf.json, providers.json, rotations.json
// mode 0600; autoselect.json keeps its mode). Stops at the first failure.
std::optional<WriteError> write_changed_documents(const ConfigDocuments& documents,
                                                  const WriteOptions& options = {});

}  // namespace aisbf
