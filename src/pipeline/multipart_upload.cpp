#include "pipeline/multipart_upload.hpp"

#include "pipeline/request_deadline.hpp"

namespace aisbf {

namespace {

using boost::asio::awaitable;
using Status = api::MultipartRewriter::Status;

constexpr std::size_t kPiece = 64 * 1024;  // one read from the client, one chunk upstream

}  // namespace

MultipartUpload::MultipartUpload(http::BodyStream& body, std::string boundary, const RequestContext& ctx)
    : body_(body), form_(std::move(boundary)), ctx_(ctx), buffer_(std::make_unique<char[]>(kPiece)) {}

GatewayError MultipartUpload::form_error() const {
  return make_error(ErrorKind::invalid_request, form_.error(), std::string(form_.error_code()));
}

GatewayError MultipartUpload::fail(GatewayError error) {
  failed_ = true;
  return error;
}

void MultipartUpload::ended() {
  ended_ = true;
  if (auto done = std::move(on_complete_)) done();
}

awaitable<Expected<std::string>> MultipartUpload::read_model() {
  for (;;) {
    if (past_deadline(ctx_)) co_return request_timed_out(ctx_);
    auto n = co_await body_.read_some({buffer_.get(), kPiece});
    if (!n) co_return n.take_error();
    const Status status = *n == 0 ? form_.finish() : form_.feed({buffer_.get(), *n}, out_);
    if (status == Status::need_model) co_return *form_.client_model();
    if (status == Status::failed) co_return form_error();
    if (*n == 0) co_return make_error(ErrorKind::invalid_request, "the form has no `model` field", "missing_model");
  }
}

awaitable<Expected<std::string_view>> MultipartUpload::next() {
  out_.clear();
  if (!resumed_) {  // what was held up to the first model field
    resumed_ = true;
    if (form_.feed({}, out_) == Status::failed) co_return fail(form_error());
  }
  while (out_.empty() && !ended_) {
    // Each read is bounded by the server's idle timeout, so checking between
    // reads holds a trickle to the deadline.
    if (past_deadline(ctx_)) co_return fail(request_timed_out(ctx_));
    auto n = co_await body_.read_some({buffer_.get(), kPiece});
    if (!n) co_return fail(n.take_error());
    if (*n == 0) {
      if (form_.finish() == Status::failed) co_return fail(form_error());
      ended();
      break;
    }
    if (form_.feed({buffer_.get(), *n}, out_) == Status::failed) co_return fail(form_error());
  }
  co_return std::string_view(out_);
}

}  // namespace aisbf
