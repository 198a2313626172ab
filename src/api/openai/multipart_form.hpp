// multipart/form-data (RFC 7578) read as a stream, for the uploads the
// gateway relays without holding them (audio transcriptions and
// translations): every `model` field is rewritten to the upstream's model
// name, everything else passes through byte for byte. Pure: bytes in,
// bytes out, any split of the input gives the same output.
//
// The first `model` field decides the route, so nothing is output before
// it has been read: what came before it is held (at most kLookahead bytes;
// a form whose model comes after a larger file part is refused with
// `model_after_file`: send `model` first, as the Python SDK does). Every
// later `model` field is rewritten too, so that a second one cannot pick
// another upstream model than the one routed, limited and billed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace aisbf::api {

// The Content-Type is multipart/form-data (any case, parameters ignored).
bool is_multipart_form(std::string_view content_type);
// Its boundary parameter (quoted or not); empty when absent or invalid
// (RFC 2046: 1 to 70 characters).
std::string multipart_boundary(std::string_view content_type);

class MultipartRewriter {
 public:
  static constexpr std::size_t kLookahead = 1024 * 1024;  // held before the first model field
  static constexpr std::size_t kPartHeadLimit = 16 * 1024;
  static constexpr std::size_t kModelLimit = 512;

  enum class Status {
    more,        // feed more input
    need_model,  // the first model field was read: call set_upstream_model(), then feed again
    done,        // the closing delimiter was seen (the epilogue passes through)
    failed,      // error() says why; nothing more is output
  };

  explicit MultipartRewriter(std::string boundary);

  // Appends to `out` what may go upstream now. `in` may be empty (to go on
  // after need_model).
  Status feed(std::string_view in, std::string& out);
  // The body ended: failed unless the closing delimiter came.
  Status finish();

  // The first model field's value, once read.
  const std::optional<std::string>& client_model() const { return client_model_; }
  void set_upstream_model(std::string model) { upstream_model_ = std::move(model); }

  // Why it failed: a stable code and a message for the client.
  std::string_view error_code() const { return error_code_; }
  const std::string& error() const { return error_; }

 private:
  enum class Where { preamble, after_delimiter, part_head, part_body, epilogue, failed };
  Status fail(std::string_view code, std::string message);
  bool step(std::string& out, Status& status);
  bool in_preamble(std::string& out);
  bool after_delimiter(std::string& out);
  bool part_head(std::string& out);
  bool part_body(std::string& out, Status& status);
  void emit(std::string_view bytes, std::string& out);

  std::string delimiter_;  // "\r\n--" + boundary
  std::string pending_;    // input not yet judged
  std::string held_;       // output held until the upstream model is known
  std::size_t skip_ = 2;   // output bytes not to write: the CRLF put in front
  Where where_ = Where::preamble;
  bool model_part_ = false;
  bool closed_ = false;
  std::string model_value_;
  std::optional<std::string> client_model_;
  std::optional<std::string> upstream_model_;
  std::string error_code_;
  std::string error_;
};

}  // namespace aisbf::api
