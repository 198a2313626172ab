// Edits of the config documents (config_documents.hpp) the admin API makes:
// one provider, rotation or autoselect replaced, added or removed; sections
// of aisbf.json replaced. An entry is replaced by the object as sent, in its
// place; a new one goes last; nothing else in the file moves.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "config/config_documents.hpp"

namespace aisbf {

enum class EntryKind { provider, rotation, autoselect };

// The file an entry kind lives in, and its JSON path prefix there
// ("providers", "rotations", "" for autoselect.json's top level).
ConfigFile entry_file(EntryKind kind);
std::string_view entry_container_key(EntryKind kind);

struct EditResult {
  enum class Status { ok, created, not_found, conflict, invalid };
  Status status = Status::ok;
  std::string message;  // for not_found, conflict and invalid
};

// The entry `id` as the documents hold it; null when there is none.
const boost::json::object* find_entry(const ConfigDocuments& documents, EntryKind kind, std::string_view id);

// Replaces the entry `id` with `entry` (created when new).
EditResult put_entry(ConfigDocuments& documents, EntryKind kind, std::string_view id, boost::json::object entry);

// Removes the entry `id`: not_found when absent; conflict when a rotation
// names the provider, or an autoselect the rotation (the message names them).
EditResult delete_entry(ConfigDocuments& documents, EntryKind kind, std::string_view id);

// aisbf.json settings read once, when the server starts, as dotted paths (a
// path may name a whole section): the listener's address, port, timeouts
// and connection bounds (main.cpp's ServerOptions), the database (store/,
// the usage recorder, the accounts' refresh), the response cache's backend
// and bounds (made once by App), the shared-state bounds, and the first
// admin's dashboard.username and dashboard.password (read at a start only
// while the database has no active admin). A change is written at once and
// applies at the next start; every other setting applies to the next
// request (the snapshot is swapped).
std::span<const std::string_view> start_only_settings();

// aisbf.json settings aisbf keeps (AISBF's files load unchanged) but does
// not act on: TLS serving (https is refused, so the certificate files are
// never read), TOR (no runtime yet) and AISBF's sections for features aisbf
// does not have.
std::span<const std::string_view> unused_settings();

// Each section of `sections` replaces aisbf.json's section of that name;
// the others stay.
void put_settings(ConfigDocuments& documents, const boost::json::object& sections);

// The paths of start_only_settings() whose value in `file` (aisbf.json as
// written now) differs from `running` (aisbf.json as the server read it
// when it started): written, waiting for a restart. A change reverted is
// no longer named.
std::vector<std::string> settings_awaiting_restart(const boost::json::value& running, const boost::json::value& file);

// AISBF's condensation settings, kept where AISBF keeps them in aisbf.json:
// internal_model.condensation_model_id, internal_model.condensation_max_tokens
// and feature_controls.context_condensation.mode. As one flat object:
// {"condensation_model_id", "condensation_max_tokens", "mode"} (absent: null).
boost::json::object condensation_settings(const boost::json::value& aisbf);
// Sets the fields `body` names (a subset of the three); invalid, naming
// the field, for a wrong type, a max_tokens under 64 (AISBF's floor), a mode
// other than enabled, disabled or inherit, or an unknown field.
EditResult put_condensation(ConfigDocuments& documents, const boost::json::object& body);

}  // namespace aisbf
