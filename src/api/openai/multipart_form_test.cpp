#include "api/openai/multipart_form.hpp"

#include <gtest/gtest.h>

namespace aisbf::api {
namespace {

std::string part(std::string_view name, std::string_view value, std::string_view extra = {}) {
  return "--XyZ\r\nContent-Disposition: form-data; name=\"" + std::string(name) + "\"" + std::string(extra) +
         "\r\n\r\n" + std::string(value) + "\r\n";
}

// Runs `body` through a rewriter in pieces of `piece` bytes; the upstream
// model is given when asked for. Returns the output, or "ERR:<code>".
std::string rewrite(std::string_view body, std::size_t piece, std::string_view upstream = "up-model",
                    std::string* seen = nullptr) {
  MultipartRewriter r("XyZ");
  std::string out;
  for (std::size_t at = 0; at < body.size() || at == 0; at += piece) {
    auto status = r.feed(body.substr(at, piece), out);
    while (status == MultipartRewriter::Status::need_model) {
      if (seen) *seen = *r.client_model();
      r.set_upstream_model(std::string(upstream));
      status = r.feed({}, out);
    }
    if (status == MultipartRewriter::Status::failed) return "ERR:" + std::string(r.error_code());
    if (body.empty()) break;
  }
  if (r.finish() == MultipartRewriter::Status::failed) return "ERR:" + std::string(r.error_code());
  return out;
}

TEST(MultipartForm, ContentTypeAndBoundary) {
  EXPECT_TRUE(is_multipart_form("Multipart/Form-Data; boundary=abc"));
  EXPECT_FALSE(is_multipart_form("application/json"));
  EXPECT_FALSE(is_multipart_form("multipart/mixed; boundary=a"));
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("multipart/form-data; charset=utf-8; boundary=\"a b;c\""), "a b;c");
  EXPECT_EQ(multipart_boundary("multipart/form-data"), "");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')), "");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"a\"; boundary=b"), "");  // which one?
  EXPECT_EQ(multipart_boundary("multipart/form-data; x=\"; boundary=evil\"; boundary=good"), "good");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"unclosed"), "");
}

TEST(MultipartForm, ModelRewrittenAtEverySplit) {
  // Binary content with prefixes of the delimiter (never the whole of it).
  const std::string file = std::string("RIFF\r\n--Xy\r\n--X\r\n-", 16) + std::string(1, '\0') + "data\r";
  const std::string body = part("model", "openai/whisper-1") + part("file", file, "; filename=\"a.wav\"") +
                           part("response_format", "json") + "--XyZ--\r\n";
  const std::string want = part("model", "up-model") + part("file", file, "; filename=\"a.wav\"") +
                           part("response_format", "json") + "--XyZ--\r\n";
  for (std::size_t piece = 1; piece <= body.size(); ++piece) {
    std::string seen;
    ASSERT_EQ(rewrite(body, piece, "up-model", &seen), want) << "piece " << piece;
    EXPECT_EQ(seen, "openai/whisper-1");
  }
}

TEST(MultipartForm, PreambleAndEpilogueKept) {
  const std::string body = "preamble\r\n" + part("model", "m") + "--XyZ--\r\nepilogue";
  EXPECT_EQ(rewrite(body, 3, "u"), "preamble\r\n" + part("model", "u") + "--XyZ--\r\nepilogue");
}

TEST(MultipartForm, ModelAfterASmallFileIsHeldThenRewritten) {
  const std::string file(100 * 1024, 'a');
  const std::string body = part("file", file, "; filename=\"x.wav\"") + part("model", "m") + "--XyZ--\r\n";
  EXPECT_EQ(rewrite(body, 4096, "u"), part("file", file, "; filename=\"x.wav\"") + part("model", "u") + "--XyZ--\r\n");
}

TEST(MultipartForm, ModelAfterALargeFileIsRefused) {
  const std::string file(MultipartRewriter::kLookahead + 200000, 'a');
  const std::string body = part("file", file, "; filename=\"x.wav\"") + part("model", "m") + "--XyZ--\r\n";
  EXPECT_EQ(rewrite(body, 65536), "ERR:model_after_file");
}

TEST(MultipartForm, EveryModelFieldIsRewritten) {
  const std::string body = part("model", "cheap") + part("model", "expensive") + "--XyZ--\r\n";
  EXPECT_EQ(rewrite(body, 7, "u"), part("model", "u") + part("model", "u") + "--XyZ--\r\n");
}

TEST(MultipartForm, Failures) {
  EXPECT_EQ(rewrite(part("file", "x") + "--XyZ--\r\n", 5), "ERR:missing_model");
  EXPECT_EQ(rewrite(part("model", "m") + part("file", "truncated"), 5), "ERR:malformed_multipart");
  EXPECT_EQ(rewrite(part("model", std::string(600, 'm')) + "--XyZ--", 64), "ERR:invalid_model");
  EXPECT_EQ(rewrite("--XyZjunk\r\n", 4), "ERR:malformed_multipart");
  // Transport padding after a delimiter: spaces and tabs, bounded, judged alike at every split.
  const std::string padded = "--XyZ \t \r\n" + part("model", "m").substr(7) + "--XyZ--";
  EXPECT_EQ(rewrite(padded, 3, "u"), "--XyZ \t \r\n" + part("model", "u").substr(7) + "--XyZ--");
  for (const std::string pad : {std::string(80, '\r'), std::string(80, ' '), std::string("\r \r")}) {
    const std::string body = "--XyZ" + pad + "\r\n" + part("model", "m").substr(7) + "--XyZ--";
    for (std::size_t piece : {1, 6, 7, 1000}) EXPECT_EQ(rewrite(body, piece), "ERR:malformed_multipart") << piece;
  }
  const std::string long_head = "--XyZ\r\nX-A: " + std::string(20000, 'h') + "\r\n\r\nv\r\n--XyZ--";
  EXPECT_EQ(rewrite(long_head, 1000), "ERR:malformed_multipart");
}

// The head of a part is read strictly (RFC 7578, RFC 9110 quoted strings),
// so that no upstream parser can take another part for `model` than the
// gateway does.
std::string headed(std::string_view head, std::string_view value = "v") {
  return "--XyZ\r\n" + std::string(head) + "\r\n" + std::string(value) + "\r\n";
}

TEST(MultipartForm, QuotedParametersAreText) {
  // `; name=model` inside a quoted filename is part of the filename.
  const std::string tricky = "Content-Disposition: form-data; name=\"file\"; filename=\"a; name=model\"\r\n";
  const std::string body = headed(tricky, "abc") + part("model", "m") + "--XyZ--";
  std::string seen;
  EXPECT_EQ(rewrite(body, 3, "u", &seen), headed(tricky, "abc") + part("model", "u") + "--XyZ--");
  EXPECT_EQ(seen, "m");
  // Nor does a quoted name take a filename's text; escapes are resolved.
  const std::string escaped = "Content-Disposition: form-data; filename=\"x\\\"; name=\\\"model\"; name=\"model\"\r\n";
  seen.clear();
  EXPECT_EQ(rewrite(headed(escaped, "m1") + "--XyZ--", 5, "u", &seen), headed(escaped, "u") + "--XyZ--");
  EXPECT_EQ(seen, "m1");
  // Unquoted token values and any case of the names.
  EXPECT_EQ(rewrite(headed("content-DISPOSITION: Form-Data; NAME=model\r\n", "m") + "--XyZ--", 4, "u"),
            headed("content-DISPOSITION: Form-Data; NAME=model\r\n", "u") + "--XyZ--");
}

TEST(MultipartForm, AmbiguousPartHeadsAreRefused) {
  const std::string tail = part("model", "m") + "--XyZ--";
  auto refused = [&](std::string_view head) {
    MultipartRewriter r("XyZ");
    std::string out;
    const std::string body = headed(head) + tail;
    auto status = r.feed(body, out);
    if (status != MultipartRewriter::Status::failed) return std::string("accepted");
    EXPECT_EQ(r.error_code(), "malformed_multipart");
    return r.error();
  };
  // Two Content-Disposition headers, two name parameters (any case).
  EXPECT_EQ(
      refused("Content-Disposition: form-data; name=\"file\"\r\ncontent-disposition: form-data; name=\"model\"\r\n"),
      "a multipart part has two Content-Disposition headers");
  EXPECT_NE(refused("Content-Disposition: form-data; name=\"file\"; name=\"model\"\r\n").find("given twice"),
            std::string::npos);
  EXPECT_NE(refused("Content-Disposition: form-data; name=\"file\"; NAME=model\r\n").find("given twice"),
            std::string::npos);
  // An obsolete folded line (a continuation starting with a space or a tab).
  for (std::string_view fold : {" ", "\t"}) {
    const std::string head = "Content-Disposition: form-data;\r\n" + std::string(fold) + "name=\"model\"\r\n";
    EXPECT_NE(refused(head).find("folded"), std::string::npos) << int(fold[0]);
  }
  // Bare LF or CR line ends in the head.
  EXPECT_NE(refused("Content-Disposition: form-data; name=\"model\"\n").find("CRLF"), std::string::npos);
  EXPECT_NE(refused("X-A: 1\nContent-Disposition: form-data; name=\"model\"\r\n").find("CRLF"), std::string::npos);
  EXPECT_NE(refused("X-A: 1\rContent-Disposition: form-data; name=\"model\"\r\n").find("CRLF"), std::string::npos);
  // An unclosed quote, text after a value, no name, another type, no header at all.
  EXPECT_NE(refused("Content-Disposition: form-data; name=\"model\r\n").find("malformed"), std::string::npos);
  EXPECT_NE(refused("Content-Disposition: form-data; name=model x\r\n").find("malformed"), std::string::npos);
  EXPECT_NE(refused("Content-Disposition: form-data; filename=\"a\"\r\n").find("form-data; name="), std::string::npos);
  EXPECT_NE(refused("Content-Disposition: attachment; name=\"model\"\r\n").find("form-data; name="), std::string::npos);
  EXPECT_NE(refused("Content-Type: text/plain\r\n").find("no Content-Disposition"), std::string::npos);
  EXPECT_NE(refused("").find("no Content-Disposition"), std::string::npos);
  EXPECT_NE(refused("Content-Disposition : form-data; name=\"model\"\r\n").find("malformed header line"),
            std::string::npos);
  // The same refusal at every split.
  const std::string body = headed("Content-Disposition: form-data; name=\"a\"\nX: y\r\n") + tail;
  for (std::size_t piece = 1; piece <= body.size(); ++piece) EXPECT_EQ(rewrite(body, piece), "ERR:malformed_multipart");
}

TEST(MultipartForm, NameParameterNotConfusedWithFilename) {
  const std::string body = "--XyZ\r\nContent-Disposition: form-data; filename=\"model\"; name=\"file\"\r\n\r\nabc\r\n" +
                           part("model", "m") + "--XyZ--";
  EXPECT_EQ(rewrite(body, 2, "u"),
            "--XyZ\r\nContent-Disposition: form-data; filename=\"model\"; name=\"file\"\r\n\r\nabc\r\n" +
                part("model", "u") + "--XyZ--");
}

}  // namespace
}  // namespace aisbf::api
