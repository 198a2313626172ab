// SHA-256 (FIPS 180-4), incremental: the uploads' file parts are hashed as
// they stream in. OpenSSL's (SHA-NI where the CPU has it, ~2 GB/s), so the
// mock is not what limits an upload benchmark (bench/media); it shares no
// code with src/.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace aisbf_mock {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(std::string_view data);
  std::string hex();  // finishes; call once

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace aisbf_mock
