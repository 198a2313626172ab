// Start-up of the user store, before serving (blocking; main's thread):
// aisbf.json's `database` section, open, migrate, the first admin.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace aisbf {

struct OpenedStore {
  std::shared_ptr<store::Store> store;  // set when ready
  std::string error;                    // why not: names the backend, never a password
};

// Reads <config_dir>/aisbf.json's `database` section, opens and migrates the
// store, and makes sure an active admin exists. A generated admin password is
// printed once on stderr (not through the log) with the path of the file that
// holds it.
OpenedStore open_user_store(const std::filesystem::path& config_dir);

}  // namespace aisbf
