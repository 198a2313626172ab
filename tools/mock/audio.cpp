#include "audio.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>

#include "openai.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace {

namespace json = boost::json;

constexpr std::size_t kFieldLimit = 4096;
constexpr std::size_t kHeadLimit = 16 * 1024;
constexpr std::uint64_t kMaxSpeechBytes = 64ull << 20;
constexpr std::size_t kSpeechChunk = 16 * 1024;
constexpr std::size_t kSseAudioChunk = 4 * 1024;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view strip(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `key`'s value among "; key=value" parameters (quotes removed).
std::string param(std::string_view header, std::string_view key) {
  std::size_t at = 0;
  while ((at = header.find(';', at)) != std::string_view::npos) {
    ++at;
    const std::size_t end = header.find(';', at);
    std::string_view item = strip(header.substr(at, end == std::string_view::npos ? end : end - at));
    const std::size_t eq = item.find('=');
    if (eq != std::string_view::npos && iequal(strip(item.substr(0, eq)), key)) {
      std::string_view v = strip(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
  }
  return {};
}

std::string transcript_text(const UploadForm& form, bool translation) {
  std::string text = translation ? "translation of " : "transcript of ";
  text += std::to_string(form.file_bytes);
  text += " bytes sha256 ";
  text += form.file_sha256;
  text += " by ";
  text += form.model;
  return text;
}

// Seconds of 16 kHz 16-bit mono audio the file would hold (at least 1).
std::uint64_t duration_seconds(const UploadForm& form) { return form.file_bytes / 32000 + 1; }

std::string clock_text(std::uint64_t seconds, char fraction_mark) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02llu:%02llu:%02llu%c000", static_cast<unsigned long long>(seconds / 3600),
                static_cast<unsigned long long>(seconds / 60 % 60), static_cast<unsigned long long>(seconds % 60),
                fraction_mark);
  return buf;
}

void append_usage(std::string& out, const UploadForm& form) {
  if (form.model.starts_with("whisper")) {
    out += "{\"type\":\"duration\",\"seconds\":";
    append_uint(out, duration_seconds(form));
    out += "}";
    return;
  }
  const std::uint64_t in = duration_seconds(form) * 10;
  const std::uint64_t words = count_words(transcript_text(form, false));
  out += "{\"type\":\"tokens\",\"input_tokens\":";
  append_uint(out, in);
  out += ",\"input_token_details\":{\"text_tokens\":0,\"audio_tokens\":";
  append_uint(out, in);
  out += "},\"output_tokens\":";
  append_uint(out, words);
  out += ",\"total_tokens\":";
  append_uint(out, in + words);
  out += "}";
}

void transcript_events(const UploadForm& form, const std::string& text, Plan& plan) {
  plan.stream = true;
  plan.content_type = "text/event-stream";
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find(' ', at + 1);
    if (end == std::string::npos) end = text.size();
    std::string event = "data: {\"type\":\"transcript.text.delta\",\"delta\":";
    append_json_string(event, std::string_view(text).substr(at, end - at));
    event += "}\n\n";
    plan.events.push_back(std::move(event));
    at = end;
  }
  std::string done = "data: {\"type\":\"transcript.text.done\",\"text\":";
  append_json_string(done, text);
  done += ",\"usage\":";
  append_usage(done, form);
  done += "}\n\n";
  plan.events.push_back(std::move(done));
}

// A fault named by the model (faults.hpp) as the error status it stands for
// (fault-hang: no answer, the client's close awaited); false when the
// answer goes on (none, slow).
bool fault_answer(const Fault& fault, Plan& plan) {
  int status = 500;
  switch (fault.kind) {
    case FaultKind::none:
    case FaultKind::slow:
      return false;
    case FaultKind::hang:
      plan.behaviour = Behaviour::hang;
      return true;
    case FaultKind::http_503:
      status = 503;
      break;
    case FaultKind::http_429:
      status = 429;
      break;
    case FaultKind::http_401:
      status = 401;
      break;
    case FaultKind::http_400:
      status = 400;
      break;
    case FaultKind::http_404:
      status = 404;
      break;
    default:
      break;
  }
  set_error(plan, status, "mock audio failure (" + plan.fault + ")",
            status == 500 ? "server_error" : "invalid_request_error");
  return true;
}

}  // namespace

bool plan_upload_fault(ApiContext& ctx, const UploadForm& form, Plan& plan) {
  if (form.model.empty()) return false;
  const Fault fault = pick_fault(ctx, form.model, plan);
  if (fault.kind == FaultKind::hang) return false;  // hangs once the upload is read
  return fault_answer(fault, plan);
}

bool is_streamed_upload(std::string_view path) {
  path = path.substr(0, path.find('?'));
  return path.ends_with("/audio/transcriptions") || path.ends_with("/audio/translations") ||
         path.ends_with("/images/edits") || path.ends_with("/images/variations");
}

std::string form_boundary(std::string_view content_type) {
  if (!iequal(strip(content_type.substr(0, content_type.find(';'))), "multipart/form-data")) return {};
  return param(content_type, "boundary");
}

UploadForm::UploadForm(std::string boundary) : delimiter_("\r\n--" + boundary), pending_("\r\n") {}

void UploadForm::feed(std::string_view bytes) {
  if (where_ == Where::failed || where_ == Where::done) return;
  pending_.append(bytes);
  step();
}

void UploadForm::end_part() {
  if (name_ == "model") model = value_;
  if (name_ == "response_format") response_format = value_;
  if (name_ == "stream") stream = value_;
  if (name_ == "language") language = value_;
  if (name_ == "prompt") prompt = value_;
}

void UploadForm::step() {
  for (;;) {
    if (where_ == Where::preamble || where_ == Where::body) {
      const std::size_t at = pending_.find(delimiter_);
      const std::size_t take = at != std::string::npos                ? at
                               : pending_.size() >= delimiter_.size() ? pending_.size() - delimiter_.size() + 1
                                                                      : 0;
      if (where_ == Where::body) {
        const std::string_view data(pending_.data(), take);
        if (name_ == "file" || name_ == "image" || name_ == "image[]") {
          sha_.update(data);
          file_bytes += data.size();
        } else if (value_.size() + data.size() <= kFieldLimit) {
          value_.append(data);
        }
      }
      pending_.erase(0, take);
      if (at == std::string::npos) return;
      if (where_ == Where::body) end_part();
      pending_.erase(0, delimiter_.size());
      where_ = Where::delimiter_line;
    } else if (where_ == Where::delimiter_line) {
      if (pending_.size() < 2) return;
      if (pending_.compare(0, 2, "--") == 0) {
        where_ = Where::done;
        pending_.clear();
        return;
      }
      const std::size_t eol = pending_.find("\r\n");
      if (eol == std::string::npos) return;
      pending_.erase(0, eol + 2);
      where_ = Where::head;
    } else if (where_ == Where::head) {
      std::size_t end = pending_.starts_with("\r\n") ? 0 : pending_.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (pending_.size() > kHeadLimit) {
          where_ = Where::failed;
          error = "part headers too large";
        }
        return;
      }
      const std::string_view head(pending_.data(), end);
      std::string disposition;
      std::size_t line = 0;
      while (line < head.size()) {
        std::size_t eol = head.find("\r\n", line);
        if (eol == std::string_view::npos) eol = head.size();
        const std::string_view text = head.substr(line, eol - line);
        const std::size_t colon = text.find(':');
        if (colon != std::string_view::npos && iequal(strip(text.substr(0, colon)), "content-disposition"))
          disposition = std::string(text.substr(colon + 1));
        line = eol + 2;
      }
      name_ = param(disposition, "name");
      if (name_ == "file" || name_ == "image" || name_ == "image[]") {
        has_file = true;
        filename = param(disposition, "filename");
      }
      value_.clear();
      pending_.erase(0, end + (end == 0 ? 2 : 4));
      where_ = Where::body;
    } else {
      return;
    }
  }
}

bool UploadForm::finish() {
  if (where_ != Where::done) {
    if (error.empty()) error = "the multipart body ended before its closing boundary";
    return false;
  }
  file_sha256 = sha_.hex();
  return true;
}

void plan_transcription(ApiContext& ctx, UploadForm& form, bool translation, Plan& plan) {
  if (!form.finish()) {
    set_error(plan, 400, "Could not parse multipart form: " + form.error, "invalid_request_error");
    return;
  }
  if (form.model.empty()) {
    set_error(plan, 400, "you must provide a model parameter", "invalid_request_error", "model");
    return;
  }
  if (!form.has_file) {
    set_error(plan, 400, "Missing required parameter: 'file'.", "invalid_request_error", "file",
              "missing_required_parameter");
    return;
  }
  const Fault fault = pick_fault(ctx, form.model, plan);
  if (fault_answer(fault, plan)) return;
  const std::string text = transcript_text(form, translation);
  const std::string_view format = form.response_format.empty() ? "json" : std::string_view(form.response_format);
  if (form.stream == "true" && !translation) {
    transcript_events(form, text, plan);
    return;
  }
  if (format == "text") {
    plan.content_type = "text/plain; charset=utf-8";
    plan.body = text + "\n";
  } else if (format == "srt") {
    plan.content_type = "text/plain; charset=utf-8";
    plan.body = "1\n" + clock_text(0, ',') + " --> " + clock_text(duration_seconds(form), ',') + "\n" + text + "\n\n";
  } else if (format == "vtt") {
    plan.content_type = "text/plain; charset=utf-8";
    plan.body =
        "WEBVTT\n\n" + clock_text(0, '.') + " --> " + clock_text(duration_seconds(form), '.') + "\n" + text + "\n\n";
  } else if (format == "verbose_json") {
    const auto seconds = duration_seconds(form);
    plan.body = translation ? "{\"task\":\"translate\"" : "{\"task\":\"transcribe\"";
    plan.body += ",\"language\":\"english\",\"duration\":";
    append_uint(plan.body, seconds);
    plan.body += ",\"text\":";
    append_json_string(plan.body, text);
    plan.body += ",\"segments\":[{\"id\":0,\"seek\":0,\"start\":0.0,\"end\":";
    append_uint(plan.body, seconds);
    plan.body += ",\"text\":";
    append_json_string(plan.body, text);
    plan.body +=
        ",\"tokens\":[],\"temperature\":0.0,\"avg_logprob\":-0.1,\"compression_ratio\":1.0,"
        "\"no_speech_prob\":0.0}]";
    if (!translation) {  // a translation's verbose_json has no usage
      plan.body += ",\"usage\":{\"type\":\"duration\",\"seconds\":";
      append_uint(plan.body, seconds);
      plan.body += "}";
    }
    plan.body += "}";
  } else if (format == "json") {
    plan.body = "{\"text\":";
    append_json_string(plan.body, text);
    if (!translation) {
      plan.body += ",\"usage\":";
      append_usage(plan.body, form);
    }
    plan.body += "}";
  } else {
    set_error(plan, 400, "Invalid response_format: must be one of json, text, srt, verbose_json, vtt.",
              "invalid_request_error", "response_format");
    return;
  }
  if (fault.kind == FaultKind::slow) plan.delay_ms = fault.param;
}

void plan_image_upload(ApiContext& ctx, UploadForm& form, bool variation, Plan& plan) {
  if (!form.finish()) {
    set_error(plan, 400, "Could not parse multipart form: " + form.error, "invalid_request_error");
    return;
  }
  if (!form.has_file) {
    set_error(plan, 400, "Missing required parameter: 'image'.", "invalid_request_error", "image",
              "missing_required_parameter");
    return;
  }
  if (!variation && form.prompt.empty()) {
    set_error(plan, 400, "Missing required parameter: 'prompt'.", "invalid_request_error", "prompt",
              "missing_required_parameter");
    return;
  }
  const std::string model = form.model.empty() ? "dall-e-2" : form.model;
  if (fault_answer(pick_fault(ctx, model, plan), plan)) return;
  const std::string text = std::string(variation ? "image variation of " : "image edit of ") +
                           std::to_string(form.file_bytes) + " bytes sha256 " + form.file_sha256 + " by " + model;
  plan.body = "{\"created\":1700000000,\"data\":[{";
  if (form.response_format == "url") {
    plan.body += "\"url\":\"https://images.mock.invalid/" + form.file_sha256 + ".png\"";
  } else {
    plan.body += "\"b64_json\":\"";
    append_base64(plan.body, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    plan.body += "\"";
  }
  plan.body += "}]}";
}

std::string upload_summary_json(const UploadForm& form) {
  std::string out = "{\"model\":";
  append_json_string(out, form.model);
  out += ",\"response_format\":";
  append_json_string(out, form.response_format);
  out += ",\"stream\":";
  append_json_string(out, form.stream);
  out += ",\"file\":{\"filename\":";
  append_json_string(out, form.filename);
  out += ",\"bytes\":";
  append_uint(out, form.file_bytes);
  out += ",\"sha256\":";
  append_json_string(out, form.file_sha256);
  out += "}}";
  return out;
}

std::string speech_bytes(std::string_view input) {
  std::uint64_t size = input.size() * 64;
  if (input.starts_with("bytes:")) {
    std::from_chars(input.data() + 6, input.data() + input.size(), size);
  }
  size = std::min(size, kMaxSpeechBytes);
  std::uint32_t seed = 0;
  for (unsigned char c : input) seed = seed * 31 + c;
  std::string out(size, '\0');
  for (std::uint64_t i = 0; i < size; ++i) {
    out[i] = static_cast<char>((i * 131 + (i >> 8) * 7 + seed) & 0xff);
  }
  return out;
}

void plan_speech(ApiContext& ctx, std::string_view body_text, Plan& plan) {
  boost::system::error_code ec;
  const json::value doc = json::parse(body_text, ec);
  const json::object* body = !ec && doc.is_object() ? &doc.get_object() : nullptr;
  if (body == nullptr) {
    set_error(plan, 400, "We could not parse the JSON body of your request.", "invalid_request_error");
    return;
  }
  auto text_of = [&](std::string_view key) -> std::string_view {
    const json::value* v = body->if_contains(key);
    return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
  };
  const std::string_view model = text_of("model");
  const std::string_view input = text_of("input");
  if (model.empty() || input.empty() || text_of("voice").empty()) {
    set_error(plan, 400, "Missing required parameter: 'model', 'input' and 'voice' are required.",
              "invalid_request_error",
              model.empty()   ? "model"
              : input.empty() ? "input"
                              : "voice",
              "missing_required_parameter");
    return;
  }
  const Fault fault = pick_fault(ctx, model, plan);
  if (fault_answer(fault, plan)) return;
  const std::string_view format = text_of("response_format").empty() ? "mp3" : text_of("response_format");
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"mp3", "audio/mpeg"},  {"opus", "audio/opus"}, {"aac", "audio/aac"},
      {"flac", "audio/flac"}, {"wav", "audio/wav"},   {"pcm", "audio/pcm"}};
  std::string_view type;
  for (const auto& [name, mime] : kTypes) {
    if (name == format) type = mime;
  }
  if (type.empty()) {
    set_error(plan, 400, "Invalid response_format: must be one of mp3, opus, aac, flac, wav, pcm.",
              "invalid_request_error", "response_format");
    return;
  }
  const std::string audio = speech_bytes(input);
  plan.stream = true;
  if (fault.kind == FaultKind::slow) plan.delay_ms = fault.param;
  if (text_of("stream_format") == "sse") {
    plan.content_type = "text/event-stream";
    for (std::size_t at = 0; at < audio.size(); at += kSseAudioChunk) {
      const std::string_view piece = std::string_view(audio).substr(at, kSseAudioChunk);
      std::string event = "data: {\"type\":\"speech.audio.delta\",\"audio\":\"";
      append_base64(event, reinterpret_cast<const unsigned char*>(piece.data()), piece.size());
      event += "\"}\n\n";
      plan.events.push_back(std::move(event));
    }
    const std::uint64_t in = count_words(input);
    const std::uint64_t out = audio.size() / 100;
    std::string done = "data: {\"type\":\"speech.audio.done\",\"usage\":{\"input_tokens\":";
    append_uint(done, in);
    done += ",\"output_tokens\":";
    append_uint(done, out);
    done += ",\"total_tokens\":";
    append_uint(done, in + out);
    done += "}}\n\n";
    plan.events.push_back(std::move(done));
    return;
  }
  plan.content_type = type;
  for (std::size_t at = 0; at < audio.size(); at += kSpeechChunk) plan.events.push_back(audio.substr(at, kSpeechChunk));
}

}  // namespace aisbf_mock
