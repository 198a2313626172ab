// Instructions per credential lookup: a global token (aisbf.json auth.tokens)
// against a user token found in the AccountIndex (a thread-cache hit, and the
// first sight that pays the SHA-256), and a session cookie. Run under
// callgrind twice with different counts; the difference over the extra
// iterations is the cost of one lookup (bench/README.md, "Auth lookups").
//
//   bench-auth-lookup MODE N     MODE: global | token-hit | token-miss | session
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "auth/account_index.hpp"
#include "auth/api_tokens.hpp"
#include "auth/token_auth.hpp"

using namespace aisbf;

namespace {

constexpr store::UnixMs kNow = 1'700'000'000'000;
constexpr int kUsers = 1000, kTokensPerUser = 10, kActive = 64;

struct World {
  auth::AccountIndex index;
  std::vector<std::string> raw;  // kActive tokens in use
  std::vector<std::string> cookies;
  std::vector<std::string> unknown;  // user-token shaped, in no index
};

void fill(World& w) {
  std::vector<store::User> users;
  std::vector<store::ApiToken> tokens;
  std::vector<store::Session> sessions;
  for (int u = 0; u < kUsers; ++u) {
    store::User user;
    user.username = "user-" + std::to_string(u);
    user.quotas_json = "{}";
    users.push_back(user);
    for (int t = 0; t < kTokensPerUser; ++t) {
      auto made = auth::generate_api_token();
      store::ApiToken row;
      row.id = auth::random_hex(8);
      row.username = user.username;
      row.token_hash = made.hash;
      row.quotas_json = "{}";
      tokens.push_back(row);
      if (static_cast<int>(w.raw.size()) < kActive && t == 0) w.raw.push_back(made.token);
    }
    if (static_cast<int>(w.cookies.size()) < kActive) {
      w.cookies.push_back(auth::random_hex(32));
      sessions.push_back(
          {auth::sha256_hex(w.cookies.back()), user.username, auth::random_hex(16), 0, kNow + 3'600'000});
    }
  }
  w.index.load(users, tokens, sessions);
  for (int i = 0; i < kActive; ++i) w.unknown.push_back(auth::generate_api_token().token);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s global|token-hit|token-miss|session N\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const long n = std::atol(argv[2]);
  World w;
  fill(w);
  AuthConfig auth{true, {"sk-operator-" + auth::random_hex(16)}};
  const std::string global_header = "Bearer " + auth.tokens[0];
  long ok = 0;
  for (const auto& raw : w.raw) ok += w.index.find_token(raw, kNow).first == auth::Lookup::found;  // warm the cache
  for (long i = 0; i < n; ++i) {
    const std::size_t k = static_cast<std::size_t>(i) % kActive;
    if (mode == "global") {
      ok += auth::authenticate(auth, {global_header, ""}).credential == auth::Credential::accepted;
    } else if (mode == "token-hit") {
      ok += w.index.find_token(w.raw[k], kNow).first == auth::Lookup::found;
    } else if (mode == "token-miss") {
      ok += w.index.find_token(w.unknown[k], kNow).first == auth::Lookup::unknown;  // hashed every time
    } else if (mode == "session") {
      ok += w.index.find_session(w.cookies[k], kNow).first == auth::Lookup::found;
    }
  }
  std::printf("%s %ld lookups, %ld ok\n", mode.c_str(), n, ok);
  return ok >= n ? 0 : 1;
}
