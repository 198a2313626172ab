// The lines logged once the gateway listens: where to point a client, the
// dashboard, where the config lives, which providers can serve now (and
// what the first start set up), the admin password file when one waits.
// Pure: the caller logs them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/first_run.hpp"

namespace aisbf {

struct BannerInput {
  const Config* config = nullptr;
  std::string url;  // "http://127.0.0.1:17765" as bound
  std::filesystem::path config_dir;
  std::vector<FirstRunFound> first_run;  // what this start created (empty: not a first start)
  bool password_file = false;            // <config dir>/initial-admin-password exists
};

// A provider serves now: a type aisbf builds, and a key unless none is needed.
bool provider_live(const ProviderConfig& provider);

std::vector<std::string> startup_banner(const BannerInput& in);

}  // namespace aisbf
