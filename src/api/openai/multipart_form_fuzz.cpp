// libFuzzer target for the streaming multipart rewriter (run by
// scripts/fuzz.sh): the input is a form body for boundary "XyZ"; its first
// byte picks the piece size. Fed whole and in pieces, the rewriter must give
// the same status and the same bytes, and never crash or throw.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/openai/multipart_form.hpp"

namespace {

std::string run(std::string_view body, std::size_t piece) {
  aisbf::api::MultipartRewriter r("XyZ");
  std::string out;
  using Status = aisbf::api::MultipartRewriter::Status;
  for (std::size_t at = 0; at < body.size(); at += piece) {
    auto status = r.feed(body.substr(at, piece), out);
    if (status == Status::need_model) {
      r.set_upstream_model("upstream");
      status = r.feed({}, out);
    }
    if (status == Status::failed) return "failed:" + std::string(r.error_code());
  }
  if (r.finish() == Status::failed) return "failed:" + std::string(r.error_code());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 16;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (run(body, body.size() + 1) != run(body, piece)) std::abort();
  return 0;
}
