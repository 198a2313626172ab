#include "config/config_documents.hpp"

#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "config/defaults.hpp"
#include "config/load_internal.hpp"

namespace aisbf {

namespace fs = std::filesystem;
using config_detail::kConfigFiles;

namespace {

constexpr std::size_t kMaxFileBytes = 16u << 20;

// The text of dir/name; nullopt when missing; `error` set when unreadable.
std::optional<std::string> read_text(const fs::path& path, std::string& error) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) return std::nullopt;
  if (ec || !fs::is_regular_file(st)) {
    error = ec ? ec.message() : "not a regular file";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::string out;
  if (in) out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in.is_open() || in.bad()) {
    error = "cannot read the file";
    return std::nullopt;
  }
  if (out.size() > kMaxFileBytes) {
    error = "larger than 16 MiB";
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::string_view config_file_name(ConfigFile file) { return kConfigFiles[static_cast<std::size_t>(file)]; }

DocumentsRead read_config_documents(const fs::path& dir) {
  DocumentsRead out;
  ConfigDocuments documents;
  documents.dir = dir;
  for (std::size_t i = 0; i < kConfigFiles.size(); ++i) {
    const std::string name(kConfigFiles[i]);
    std::string error;
    std::optional<std::string> text = read_text(dir / name, error);
    if (!error.empty()) {
      out.errors.push_back(Diagnostic{Diagnostic::Severity::error, name, "", "cannot read the file: " + error});
      continue;
    }
    const std::string_view source = text ? std::string_view(*text) : config_detail::default_file_text(name);
    config_detail::DiagSink sink(out.errors, name);
    std::optional<boost::json::value> root = config_detail::parse_json_text(source, sink);
    if (root) documents.docs[i] = std::move(*root);
  }
  if (out.errors.empty()) out.documents = std::move(documents);
  return out;
}

LoadResult load_documents_config(const ConfigDocuments& documents, const LoadOptions& options) {
  ConfigValues values;
  values.dir = documents.dir;
  values.aisbf = documents.doc(ConfigFile::aisbf);
  values.providers = documents.doc(ConfigFile::providers);
  values.rotations = documents.doc(ConfigFile::rotations);
  values.autoselect = documents.doc(ConfigFile::autoselect);
  return load_config_values(values, options);
}

std::optional<WriteError> write_changed_documents(const ConfigDocuments& documents, const WriteOptions& options) {
  for (std::size_t i = 0; i < kConfigFiles.size(); ++i) {
    if (!documents.changed[i]) continue;
    WriteOptions file_options = options;
    file_options.mode = static_cast<ConfigFile>(i) == ConfigFile::autoselect ? FileMode::keep_existing
                                                                             : FileMode::secret;
    if (auto error = write_file_atomically(documents.dir / kConfigFiles[i], pretty_json(documents.docs[i]),
                                           file_options))
      return error;
  }
  return std::nullopt;
}

}  // namespace aisbf
