#include "api/admin_config_json.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/system/result.hpp>

#include "auth/secret_box.hpp"

namespace aisbf::api {

namespace json = boost::json;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_url_key(std::string_view key) { return ends_with(lower(key), "url"); }

// scheme://user:PASSWORD@host…: the offset and length of PASSWORD.
std::optional<std::pair<std::size_t, std::size_t>> url_password(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  const auto start = scheme + 3;
  const auto end = url.find_first_of("/?#", start);
  const auto authority = url.substr(start, end == std::string_view::npos ? url.npos : end - start);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  const auto colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::pair{start + colon + 1, at - colon - 1};
}

std::string mask_url(std::string_view url) {
  auto pw = url_password(url);
  if (!pw || pw->second == 0) return std::string(url);
  return std::string(url.substr(0, pw->first)) + auth::mask_secret(url.substr(pw->first, pw->second)) +
         std::string(url.substr(pw->first + pw->second));
}

void mask_in_place(json::value& v, bool secret, bool url) {
  if (v.is_string()) {
    if (secret) v = auth::mask_secret(v.get_string());
    else if (url) v = mask_url(v.get_string());
  } else if (v.is_array()) {
    for (auto& item : v.get_array()) mask_in_place(item, secret, false);
  } else if (v.is_object()) {
    for (auto& kv : v.get_object()) mask_in_place(kv.value(), is_secret_key(kv.key()), is_url_key(kv.key()));
  }
}

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

RestoreError unmatched(const std::string& path) {
  return {path, fmt::format("{}: a masked value that matches no stored secret here; send the real value", path)};
}

const json::value* member(const json::value* v, std::string_view key) {
  const json::object* obj = v ? v->if_object() : nullptr;
  return obj ? obj->if_contains(key) : nullptr;
}

// A URL sent back with its password part still masked: the stored URL's
// password when that mask stands for it, the rest of the URL as sent (the
// host, port or database may have been edited); refused otherwise, as the
// mask itself must never be stored as the password.
std::optional<RestoreError> restore_url(json::value& sent, const json::string* old, const std::string& path) {
  const std::string url(sent.get_string());
  const auto pw = url_password(url);
  if (!pw || !auth::is_masked(std::string_view(url).substr(pw->first, pw->second))) return std::nullopt;
  const auto old_pw = old != nullptr ? url_password(*old) : std::nullopt;
  const std::string_view stored = old_pw ? std::string_view(*old).substr(old_pw->first, old_pw->second) : "";
  if (stored.empty() || auth::mask_secret(stored) != std::string_view(url).substr(pw->first, pw->second)) {
    return RestoreError{path, fmt::format("{}: the URL's password is masked and matches no stored password; send the "
                                          "real password in the URL",
                                          path)};
  }
  sent = url.substr(0, pw->first) + std::string(stored) + url.substr(pw->first + pw->second);
  return std::nullopt;
}

std::optional<RestoreError> restore_string(json::value& sent, const json::value* stored, bool secret,
                                           const std::string& path) {
  const json::string_view value = sent.get_string();
  const json::string* old = stored ? stored->if_string() : nullptr;
  if (!secret) return restore_url(sent, old, path);
  if (!auth::is_masked(value)) return std::nullopt;
  if (old == nullptr || auth::mask_secret(*old) != value) return unmatched(path);
  sent = *old;
  return std::nullopt;
}

// A list of secrets (auth.tokens): each masked element takes a stored
// element it masks, wherever it is (the client may have reordered them).
// Secrets under 12 characters all mask to "…": when such a mask comes back
// fewer times than it stands for different stored secrets, which of them
// was removed cannot be told, and the list is refused rather than guessed.
std::optional<RestoreError> restore_secret_list(json::array& sent, const json::value* stored, const std::string& path) {
  const json::array* old = stored ? stored->if_array() : nullptr;
  std::unordered_map<std::string, std::size_t> times_sent;  // mask -> how often it came back
  for (const auto& v : sent) {
    if (v.is_string() && auth::is_masked(v.get_string())) ++times_sent[std::string(v.get_string())];
  }
  std::unordered_map<std::string, std::vector<const json::string*>> alike;  // mask -> the stored secrets it stands for
  for (std::size_t j = 0; old != nullptr && j < old->size(); ++j) {
    const json::string* s = (*old)[j].if_string();
    if (s == nullptr) continue;
    auto mask = auth::mask_secret(*s);
    if (times_sent.contains(mask)) alike[std::move(mask)].push_back(s);
  }
  std::unordered_map<std::string, bool> ambiguous;  // mask -> which secrets it keeps cannot be told
  for (const auto& [mask, secrets] : alike) {
    const bool all_same = std::all_of(secrets.begin(), secrets.end(), [&](auto* s) { return *s == *secrets.front(); });
    ambiguous[mask] = times_sent[mask] < secrets.size() && !all_same;
  }
  std::unordered_map<std::string, std::size_t> next;  // mask -> its next stored secret
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (!sent[i].is_string() || !auth::is_masked(sent[i].get_string())) continue;
    const std::string mask(sent[i].get_string());
    const auto& secrets = alike[mask];
    if (ambiguous[mask]) {
      return RestoreError{fmt::format("{}[{}]", path, i),
                          fmt::format("{}[{}]: this masked value stands for {} different stored secrets (they mask "
                                      "alike) and came back {} times: which one is removed cannot be told; send the "
                                      "real values of those to keep",
                                      path, i, secrets.size(), times_sent[mask])};
    }
    std::size_t& n = next[mask];
    if (n >= secrets.size()) return unmatched(fmt::format("{}[{}]", path, i));
    sent[i] = *secrets[n++];
  }
  return std::nullopt;
}

std::optional<RestoreError> restore(json::value& sent, const json::value* stored, std::string_view key,
                                    const std::string& path);

std::optional<RestoreError> restore_members(json::object& sent, const json::value* stored, const std::string& path) {
  for (auto& kv : sent) {
    if (auto e = restore(kv.value(), member(stored, kv.key()), kv.key(), child_path(path, kv.key()))) return e;
  }
  return std::nullopt;
}

bool is_masked_secret(std::string_view key, const json::value& v) {
  return v.is_string() && is_secret_key(key) && auth::is_masked(v.get_string());
}

// The entries of a stored list of objects (a rotation's `providers`), for
// the masked secrets of the list sent back: the client may have reordered,
// removed, split or added entries, so an entry's masked `api_key` is the
// stored key of the entries of the same provider_id that masks alike, when
// there is one such key; never the one stored at the same position (that
// swapped keys between reordered entries).
class StoredEntries {
 public:
  explicit StoredEntries(const json::array* old) : old_(old) {
    for (std::size_t j = 0; old_ != nullptr && j < old_->size(); ++j) {
      const json::object* entry = (*old_)[j].if_object();
      if (entry == nullptr) continue;
      ++by_identity_.try_emplace(identity(*entry), j, 0).first->second.second;
      for (const auto& kv : *entry) {
        if (!kv.value().is_string() || !is_secret_key(kv.key())) continue;
        by_mask_[match_key(identity(*entry), kv.key(), auth::mask_secret(kv.value().get_string()))].push_back(j);
      }
    }
  }

  // Puts back the stored secret of each masked secret directly in `item`
  // (sent at `position`); its other keys are restored against the entry
  // that secret came from, else the only stored entry of its identity, else
  // the one stored at the same position when it has that identity.
  std::optional<RestoreError> restore_item(json::object& item, std::size_t position, const std::string& path) const {
    const json::value as_sent = item;
    std::optional<std::size_t> from;
    for (auto& kv : item) {
      if (!is_masked_secret(kv.key(), kv.value())) continue;
      auto found = secret_for(as_sent, kv.key(), kv.value().get_string(), child_path(path, kv.key()));
      if (!found.has_value()) return found.error();
      kv.value() = (*old_)[*found].get_object().at(kv.key());
      from = *found;
    }
    const json::value* twin = from ? &(*old_)[*from] : twin_of(as_sent.get_object(), position);
    for (auto& kv : item) {
      if (is_masked_secret(kv.key(), as_sent.get_object().at(kv.key()))) continue;
      if (auto e = restore(kv.value(), member(twin, kv.key()), kv.key(), child_path(path, kv.key()))) return e;
    }
    return std::nullopt;
  }

 private:
  // Beyond this many alike entries a tie is not broken (bounded work).
  static constexpr std::size_t kMaxTieBreak = 64;

  static std::string identity(const json::object& entry) {
    const json::value* id = entry.if_contains("provider_id");
    return id != nullptr ? json::serialize(*id) : std::string();
  }
  static std::string match_key(const std::string& identity, std::string_view key, std::string_view mask) {
    return fmt::format("{}\n{}\n{}", identity, key, mask);
  }

  // The index of the stored entry whose secret `key` the masked `text`
  // stands for. Several entries with different secrets that mask alike
  // (keys under 12 characters all mask to "…"): the one sent back
  // unchanged, else refused.
  boost::system::result<std::size_t, RestoreError> secret_for(const json::value& item, std::string_view key,
                                                              std::string_view text, const std::string& path) const {
    auto it = by_mask_.find(match_key(identity(item.get_object()), key, text));
    if (it == by_mask_.end()) return unmatched(path);
    const std::vector<std::size_t>& alike = it->second;
    if (one_secret(alike, key)) return alike.front();
    if (alike.size() <= kMaxTieBreak) {
      std::vector<std::size_t> unchanged;
      for (std::size_t j : alike) {
        if (masked((*old_)[j]) == item) unchanged.push_back(j);
      }
      if (!unchanged.empty() && one_secret(unchanged, key)) return unchanged.front();
    }
    return RestoreError{path, fmt::format("{}: this masked value stands for more than one stored secret of entries "
                                          "like this one (they mask alike); send the real value",
                                          path)};
  }

  bool one_secret(const std::vector<std::size_t>& entries, std::string_view key) const {
    const json::value& first = (*old_)[entries.front()].get_object().at(key);
    return std::all_of(entries.begin(), entries.end(),
                       [&](std::size_t j) { return (*old_)[j].get_object().at(key) == first; });
  }

  const json::value* twin_of(const json::object& item, std::size_t position) const {
    const std::string id = identity(item);
    auto it = by_identity_.find(id);
    if (it == by_identity_.end()) return nullptr;
    if (it->second.second == 1) return &(*old_)[it->second.first];
    const json::object* there = position < old_->size() ? (*old_)[position].if_object() : nullptr;
    return there != nullptr && identity(*there) == id ? &(*old_)[position] : nullptr;
  }

  const json::array* old_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_mask_;
  // identity → (the first stored entry of it, how many there are)
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> by_identity_;
};

// A list that is not of secrets: its objects restored as StoredEntries
// says; anything else against the element stored at the same position.
std::optional<RestoreError> restore_list(json::array& items, const json::value* stored, const std::string& path) {
  const json::array* old = stored ? stored->if_array() : nullptr;
  std::optional<StoredEntries> entries;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string at = fmt::format("{}[{}]", path, i);
    if (json::object* item = items[i].if_object()) {
      if (!entries) entries.emplace(old);
      if (auto e = entries->restore_item(*item, i, at)) return e;
      continue;
    }
    const json::value* old_item = old && i < old->size() ? &(*old)[i] : nullptr;
    if (auto e = restore(items[i], old_item, "", at)) return e;
  }
  return std::nullopt;
}

std::optional<RestoreError> restore(json::value& sent, const json::value* stored, std::string_view key,
                                    const std::string& path) {
  const bool secret = is_secret_key(key);
  if (sent.is_string() && (secret || is_url_key(key))) return restore_string(sent, stored, secret, path);
  if (sent.is_array() && secret) return restore_secret_list(sent.get_array(), stored, path);
  if (sent.is_array()) return restore_list(sent.get_array(), stored, path);
  if (sent.is_object()) return restore_members(sent.get_object(), stored, path);
  return std::nullopt;
}

const char* severity_name(Diagnostic::Severity s) { return s == Diagnostic::Severity::error ? "error" : "warning"; }

}  // namespace

bool is_secret_key(std::string_view key) {
  const std::string k = lower(key);
  auto has = [&](std::string_view part) { return k.find(part) != std::string::npos; };
  if (has("api_key") || has("apikey") || has("password") || has("secret") || has("private_key")) return true;
  if (has("max") || has("min")) return false;  // max_tokens, min_tokens: counts
  return ends_with(k, "token") || ends_with(k, "tokens");
}

json::value masked(const json::value& value) {
  json::value copy = value;
  mask_in_place(copy, false, false);
  return copy;
}

std::optional<RestoreError> restore_masked(json::value& sent, const json::value* stored, const std::string& path) {
  // The top level of a document or an entry has no key of its own.
  if (!sent.is_object()) return std::nullopt;
  return restore_members(sent.get_object(), stored, path);
}

std::string_view entry_kind_name(EntryKind kind) {
  switch (kind) {
    case EntryKind::provider: return "provider";
    case EntryKind::rotation: return "rotation";
    case EntryKind::autoselect: return "autoselect";
  }
  return "provider";
}

std::string entries_json(EntryKind kind, const Config& config) {
  json::object entries;
  auto add = [&](const std::string& id, const json::object& raw) { entries[id] = masked(raw); };
  json::object body;
  switch (kind) {
    case EntryKind::provider:
      for (const auto& p : config.providers) add(p.id, p.raw);
      body["providers"] = std::move(entries);
      break;
    case EntryKind::rotation:
      for (const auto& r : config.rotations) add(r.id, r.raw);
      body["notifyerrors"] = config.notifyerrors;
      body["rotations"] = std::move(entries);
      break;
    case EntryKind::autoselect:
      for (const auto& a : config.autoselects) add(a.id, a.raw);
      body["autoselects"] = std::move(entries);
      break;
  }
  return json::serialize(body);
}

std::string entry_json(EntryKind kind, std::string_view id, const json::object& entry,
                       const std::vector<Diagnostic>* warnings) {
  json::object body;
  body["id"] = id;
  body[entry_kind_name(kind)] = masked(entry);
  if (warnings != nullptr) body["warnings"] = warning_lines(*warnings);
  return json::serialize(body);
}

json::array warning_lines(const std::vector<Diagnostic>& diagnostics) {
  json::array lines;
  for (const auto& d : diagnostics) {
    if (d.severity == Diagnostic::Severity::warning) lines.emplace_back(format_diagnostic(d));
  }
  return lines;
}

std::string invalid_config_json(const std::vector<Diagnostic>& diagnostics) {
  json::array list;
  const Diagnostic* first = nullptr;
  std::size_t errors = 0;
  for (const auto& d : diagnostics) {
    list.emplace_back(json::object{{"severity", severity_name(d.severity)},
                                   {"file", d.file},
                                   {"path", d.json_path},
                                   {"message", d.message}});
    if (d.severity != Diagnostic::Severity::error) continue;
    ++errors;
    if (first == nullptr) first = &d;
  }
  std::string message = first ? format_diagnostic(*first) : "the configuration has errors";
  if (errors > 1) message += fmt::format(" (and {} more errors)", errors - 1);
  json::object body;
  body["error"] = json::object{{"message", message + "; nothing was written"},
                               {"type", "invalid_request_error"},
                               {"param", first && !first->json_path.empty() ? json::value(first->json_path) : nullptr},
                               {"code", "invalid_config"}};
  body["diagnostics"] = std::move(list);
  return json::serialize(body);
}

}  // namespace aisbf::api
