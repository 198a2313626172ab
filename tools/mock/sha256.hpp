// SHA-256 (FIPS 180-4), incremental: the audio uploads' file parts are
// hashed as they stream in. The mock's own (it shares no code with src/).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aisbf_mock {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  std::string hex();  // finishes; call once

 private:
  void block(const unsigned char* p);
  std::array<std::uint32_t, 8> h_;
  std::array<unsigned char, 64> buf_{};
  std::size_t used_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace aisbf_mock
