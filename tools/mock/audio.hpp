// OpenAI's audio API in aisbf-mock: transcriptions and translations read
// as a stream of multipart bytes (the file part is hashed as it arrives,
// never kept), and speech. Plain logic: server.cpp feeds the bytes in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api.hpp"
#include "plan.hpp"
#include "sha256.hpp"

namespace aisbf_mock {

// The path ends with /audio/transcriptions, /audio/translations,
// /images/edits or /images/variations: a multipart upload read as a stream.
bool is_streamed_upload(std::string_view path);
// The boundary of a multipart/form-data Content-Type; empty when it is not one.
std::string form_boundary(std::string_view content_type);

// A multipart/form-data body parsed as it streams in: the `file` part (the
// `image` or `image[]` parts of an image upload) is counted and hashed,
// other fields are kept (up to 4 KiB each).
class UploadForm {
 public:
  explicit UploadForm(std::string boundary);
  void feed(std::string_view bytes);
  // The body ended; false when it was not a complete form.
  bool finish();

  std::string model, response_format, stream, language, prompt, filename;
  std::uint64_t file_bytes = 0;
  std::string file_sha256;  // set by finish()
  bool has_file = false;
  std::string error;

 private:
  enum class Where { preamble, delimiter_line, head, body, done, failed };
  void step();
  void end_part();
  std::string delimiter_;
  std::string pending_;
  Where where_ = Where::preamble;
  std::string name_;
  std::string value_;
  Sha256 sha_;
};

// The answer to a finished upload, in its response_format (or as
// transcript.text.* SSE events when stream=true).
void plan_transcription(ApiContext& ctx, UploadForm& form, bool translation, Plan& plan);
// images/edits and images/variations: an ImagesResponse whose one image is
// the text "image edit of N bytes sha256 HEX by MODEL" (b64_json, or a url
// naming the hash for response_format=url).
void plan_image_upload(ApiContext& ctx, UploadForm& form, bool variation, Plan& plan);
// A status fault (fault-400, fault-429, fault-500, …) named by the form's
// `model`, once that field has been read: planned as the error a server
// answers before it has read the rest of the upload (the caller answers at
// once and closes the connection, the rest unread). false: none.
bool plan_upload_fault(ApiContext& ctx, const UploadForm& form, Plan& plan);
// The upload as the recorder keeps it: its fields and the file's size and
// hash as JSON (the file itself is not kept).
std::string upload_summary_json(const UploadForm& form);

// POST …/audio/speech (JSON): deterministic audio bytes, chunked, or
// speech.audio.* SSE events for stream_format "sse".
void plan_speech(ApiContext& ctx, std::string_view body, Plan& plan);
// The speech bytes the mock makes for `input` (tests compute the same).
std::string speech_bytes(std::string_view input);

}  // namespace aisbf_mock
