#include "api/openai/multipart_form.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace aisbf::api {

namespace {

constexpr std::size_t kPaddingLimit = 64;  // transport padding after a delimiter (RFC 2046)

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (x != y && !(x >= 'A' && x <= 'Z' && x + 32 == y) && !(y >= 'A' && y <= 'Z' && y + 32 == x)) return false;
  }
  return true;
}

// The value of parameter `key` in "type; k=v; k2=\"v 2\"" (unquoted, no escapes kept).
std::optional<std::string> header_param(std::string_view value, std::string_view key) {
  std::size_t at = value.find(';');
  while (at != std::string_view::npos) {
    value.remove_prefix(at + 1);
    const auto end = value.find(';');
    auto item = trim(value.substr(0, end));
    const auto eq = item.find('=');
    if (eq != std::string_view::npos && iequals(trim(item.substr(0, eq)), key)) {
      auto v = trim(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"') {
        // A quoted string may hold ';': take it to its closing quote.
        const auto whole = value.substr(value.find('"') + 1);
        std::string out;
        for (std::size_t i = 0; i < whole.size() && whole[i] != '"'; ++i) {
          if (whole[i] == '\\' && i + 1 < whole.size()) ++i;
          out.push_back(whole[i]);
        }
        return out;
      }
      return std::string(v);
    }
    at = end;
  }
  return std::nullopt;
}

// The form field name of a part, from its Content-Disposition.
std::string part_name(std::string_view head) {
  while (!head.empty()) {
    const auto eol = head.find("\r\n");
    const auto line = head.substr(0, eol);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), "content-disposition"))
      return header_param(line.substr(colon + 1), "name").value_or("");
    if (eol == std::string_view::npos) break;
    head.remove_prefix(eol + 2);
  }
  return {};
}

}  // namespace

bool is_multipart_form(std::string_view content_type) {
  auto type = trim(content_type.substr(0, content_type.find(';')));
  return iequals(type, "multipart/form-data");
}

std::string multipart_boundary(std::string_view content_type) {
  if (!is_multipart_form(content_type)) return {};
  auto b = header_param(content_type, "boundary").value_or("");
  if (b.empty() || b.size() > 70 || b.find_first_of("\r\n") != std::string::npos) return {};
  return b;
}

MultipartRewriter::MultipartRewriter(std::string boundary) : delimiter_("\r\n--" + boundary) {
  // The first delimiter may open the body without the CRLF before it: one
  // is put in front, and not output.
  pending_ = "\r\n";
}

MultipartRewriter::Status MultipartRewriter::fail(std::string_view code, std::string message) {
  where_ = Where::failed;
  error_code_ = code;
  error_ = std::move(message);
  pending_.clear();
  held_.clear();
  return Status::failed;
}

void MultipartRewriter::emit(std::string_view bytes, std::string& out) {
  if (skip_ > 0) {  // the CRLF put in front
    const auto n = std::min(skip_, bytes.size());
    bytes.remove_prefix(n);
    skip_ -= n;
  }
  if (!upstream_model_) {
    held_.append(bytes);
    return;
  }
  if (!held_.empty()) {
    out.append(held_);
    held_.clear();
    held_.shrink_to_fit();
  }
  out.append(bytes);
}

MultipartRewriter::Status MultipartRewriter::feed(std::string_view in, std::string& out) {
  if (where_ == Where::failed) return Status::failed;
  pending_.append(in);
  Status status = Status::more;
  while (step(out, status)) {
  }
  if (where_ == Where::failed) return Status::failed;
  if (upstream_model_ && !held_.empty()) emit({}, out);
  if (!client_model_ && held_.size() + pending_.size() > kLookahead) {
    return fail("model_after_file",
                "the form's `model` field must come before the file (within its first 1 MiB): the upload is streamed "
                "to the upstream and the model decides which one");
  }
  if (status == Status::need_model) return status;
  return closed_ ? Status::done : Status::more;
}

MultipartRewriter::Status MultipartRewriter::finish() {
  if (where_ == Where::failed) return Status::failed;
  if (!closed_) return fail("malformed_multipart", "the multipart form ended before its closing boundary");
  return Status::done;
}

// One step of the state machine over pending_; false when it needs more
// input (or stopped: failed, need_model).
bool MultipartRewriter::step(std::string& out, Status& status) {
  switch (where_) {
    case Where::preamble:
      return in_preamble(out);
    case Where::after_delimiter:
      return after_delimiter(out);
    case Where::part_head:
      return part_head(out);
    case Where::part_body:
      return part_body(out, status);
    case Where::epilogue:
      emit(pending_, out);
      pending_.clear();
      return false;
    case Where::failed:
      return false;
  }
  return false;
}

bool MultipartRewriter::in_preamble(std::string& out) {
  const auto at = pending_.find(delimiter_);
  if (at == std::string::npos) {
    // Keep what could be the start of a delimiter.
    if (pending_.size() >= delimiter_.size()) {
      const auto drop = pending_.size() - (delimiter_.size() - 1);
      emit(std::string_view(pending_).substr(0, drop), out);
      pending_.erase(0, drop);
    }
    return false;
  }
  emit(std::string_view(pending_).substr(0, at + delimiter_.size()), out);
  pending_.erase(0, at + delimiter_.size());
  where_ = Where::after_delimiter;
  return true;
}

bool MultipartRewriter::after_delimiter(std::string& out) {
  if (pending_.size() >= 2 && pending_.compare(0, 2, "--") == 0) {
    if (!client_model_) {
      fail("missing_model", "the form has no `model` field");
      return false;
    }
    emit(std::string_view(pending_).substr(0, 2), out);
    pending_.erase(0, 2);
    closed_ = true;
    where_ = Where::epilogue;
    return true;
  }
  const auto eol = pending_.find("\r\n");
  if (eol == std::string::npos) {
    if (pending_.size() > kPaddingLimit) fail("malformed_multipart", "malformed multipart delimiter line");
    return false;
  }
  if (!trim(std::string_view(pending_).substr(0, eol)).empty()) {
    fail("malformed_multipart", "malformed multipart delimiter line");
    return false;
  }
  emit(std::string_view(pending_).substr(0, eol + 2), out);
  pending_.erase(0, eol + 2);
  where_ = Where::part_head;
  return true;
}

bool MultipartRewriter::part_head(std::string& out) {
  // No header lines: the head is the blank line alone.
  std::size_t end = 0;
  if (pending_.size() >= 2 && pending_.compare(0, 2, "\r\n") == 0) {
    end = 2;
  } else {
    const auto at = pending_.find("\r\n\r\n");
    if (at == std::string::npos) {
      if (pending_.size() > kPartHeadLimit) fail("malformed_multipart", "a multipart part's headers exceed 16 KiB");
      return false;
    }
    if (at > kPartHeadLimit) {
      fail("malformed_multipart", "a multipart part's headers exceed 16 KiB");
      return false;
    }
    end = at + 4;
  }
  model_part_ = part_name(std::string_view(pending_).substr(0, end)) == "model";
  model_value_.clear();
  emit(std::string_view(pending_).substr(0, end), out);
  pending_.erase(0, end);
  where_ = Where::part_body;
  return true;
}

bool MultipartRewriter::part_body(std::string& out, Status& status) {
  const auto at = pending_.find(delimiter_);
  const std::size_t body = at == std::string::npos
                               ? (pending_.size() >= delimiter_.size() ? pending_.size() - (delimiter_.size() - 1) : 0)
                               : at;
  const std::string_view bytes(pending_.data(), body);
  if (model_part_) {
    if (model_value_.size() + bytes.size() > kModelLimit) {
      fail("invalid_model", "the form's `model` field is longer than 512 bytes");
      return false;
    }
    model_value_.append(bytes);
  } else {
    emit(bytes, out);
  }
  pending_.erase(0, body);
  if (at == std::string::npos) return false;
  if (model_part_) {
    if (!client_model_) client_model_ = model_value_;
    if (!upstream_model_) {
      status = Status::need_model;
      return false;
    }
    emit(*upstream_model_, out);
    model_value_.clear();
    model_part_ = false;
  }
  emit(std::string_view(pending_).substr(0, delimiter_.size()), out);
  pending_.erase(0, delimiter_.size());
  where_ = Where::after_delimiter;
  return true;
}

}  // namespace aisbf::api
