// A client's multipart/form-data upload as the upstream's request body:
// read as it arrives (http::BodyStream), parsed on the way
// (api/openai/multipart_form.hpp) to find the `model` field that routes
// it, every `model` field rewritten to the upstream's name, and handed to
// the upstream call one piece at a time (http::BodySource, chunked).
//
// The request's deadline (request_deadline.hpp) bounds the upload too: a
// read past it fails with the 504 request_timeout, so a client trickling
// bytes cannot hold its slot (quota, rate limit) for longer than a request
// may last.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "api/openai/multipart_form.hpp"
#include "core/expected.hpp"
#include "http/exchange.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class MultipartUpload final : public http::BodySource {
 public:
  MultipartUpload(http::BodyStream& body, std::string boundary, const RequestContext& ctx);

  // Reads up to the first `model` field; its value.
  boost::asio::awaitable<Expected<std::string>> read_model();

  // The upstream's name for the model: given before each attempt (until
  // the first piece is taken, another candidate may take the upload).
  void set_upstream_model(std::string_view model) { form_.set_upstream_model(std::string(model)); }

  // Called once, when the client's body has been read to its end (the
  // client may then be watched for a disconnect).
  void on_complete(std::function<void()> done) { on_complete_ = std::move(done); }

  boost::asio::awaitable<Expected<std::string_view>> next() override;

  std::uint64_t received() const { return body_.received(); }
  // next() failed: the client's upload (malformed, too large, cut, too
  // slow), which says nothing of the upstream it was going to.
  bool failed() const { return failed_; }

 private:
  GatewayError form_error() const;
  GatewayError fail(GatewayError error);  // noted: failed()
  void ended();

  http::BodyStream& body_;
  api::MultipartRewriter form_;
  const RequestContext& ctx_;
  std::unique_ptr<char[]> buffer_;
  std::string out_;
  std::function<void()> on_complete_;
  bool resumed_ = false;
  bool ended_ = false;
  bool failed_ = false;
};

}  // namespace aisbf
