// The persistent onion service's key: `<tor.hidden_service_dir>/aisbf_onion_key`
// (the "ED25519-V3:<base64>" tor's ADD_ONION gave, mode 0600, directory
// 0700). Blocking file I/O: read when the service starts, written once.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace aisbf::ops {

inline constexpr const char* kOnionKeyFile = "aisbf_onion_key";

// `dir` with a leading "~/" expanded from $HOME.
std::filesystem::path expand_home(const std::string& dir);

struct StoredOnionKey {
  std::optional<std::string> key;  // none yet: ask tor for a new one and save it
  std::string error;               // the directory or the file cannot be used (nothing is overwritten)
  std::string warning;             // e.g. a directory others may read
};

// Creates the directory (0700) when missing; reads and checks the key file when present.
StoredOnionKey load_onion_key(const std::filesystem::path& dir);

// Writes the key atomically, mode 0600. The error message when it failed.
std::optional<std::string> save_onion_key(const std::filesystem::path& dir, const std::string& key);

}  // namespace aisbf::ops
