#include "api/openai/multipart_form.hpp"

#include <algorithm>
#include <vector>

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

bool is_tchar(char c) {  // RFC 9110 token characters
  const auto u = static_cast<unsigned char>(c);
  if ((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

struct Param {
  std::string name;   // lower-cased
  std::string value;  // unquoted, escapes resolved
};

// The parameters after a header value's first token: `; k=v; k2="v; 2"`
// (RFC 9110 §5.6.6: a value is a token or a quoted-string, whose `;` and
// `name=` are text, not parameters). nullopt when malformed, a parameter
// named twice included (two parsers must not pick different ones).
std::optional<std::vector<Param>> header_params(std::string_view rest) {
  std::vector<Param> params;
  std::size_t i = 0;
  auto skip_ows = [&] {
    while (i < rest.size() && is_ows(rest[i])) ++i;
  };
  for (;;) {
    skip_ows();
    if (i == rest.size()) return params;
    if (rest[i] != ';') return std::nullopt;
    ++i;
    skip_ows();
    if (i == rest.size()) return params;  // a trailing ';'
    Param p;
    for (; i < rest.size() && is_tchar(rest[i]); ++i)
      p.name.push_back(rest[i] >= 'A' && rest[i] <= 'Z' ? static_cast<char>(rest[i] + 32) : rest[i]);
    skip_ows();
    if (p.name.empty() || i == rest.size() || rest[i] != '=') return std::nullopt;
    ++i;
    skip_ows();
    if (i < rest.size() && rest[i] == '"') {
      for (++i;; ++i) {
        if (i == rest.size()) return std::nullopt;  // no closing quote
        if (rest[i] == '"') break;
        if (rest[i] == '\\' && ++i == rest.size()) return std::nullopt;
        p.value.push_back(rest[i]);
      }
      ++i;
    } else {
      while (i < rest.size() && is_tchar(rest[i])) p.value.push_back(rest[i++]);
      if (p.value.empty()) return std::nullopt;
    }
    for (const auto& q : params) {
      if (q.name == p.name) return std::nullopt;
    }
    params.push_back(std::move(p));
  }
}

const Param* find_param(const std::vector<Param>& params, std::string_view name) {
  for (const auto& p : params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// The first line end in `s` that is not CRLF (a bare LF, or a CR before
// anything but LF); npos when none. A CR at the very end waits for more.
std::size_t bare_line_end(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return i;
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] != '\n') return i;
  }
  return std::string_view::npos;
}

// A part's head (its header lines, each ending in CRLF, the blank line
// excluded) read strictly, so that the gateway and the upstream cannot
// disagree on which part is `model`: exactly one Content-Disposition of
// type form-data with one `name`, no folded lines. The field name, or the
// error's message.
struct PartName {
  std::string name;
  std::string error;
};

PartName part_name(std::string_view head) {
  PartName out;
  // Looked for first: a folded line continues the one before it, whatever that one says.
  if ((!head.empty() && is_ows(head.front())) || head.find("\r\n ") != std::string_view::npos ||
      head.find("\r\n\t") != std::string_view::npos) {
    out.error = "a multipart part's header line is folded (a line starting with a space or tab): not accepted";
    return out;
  }
  bool seen = false;
  while (!head.empty()) {
    const auto eol = head.find("\r\n");
    const auto line = head.substr(0, eol);
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
    const auto colon = line.find(':');
    const auto field = line.substr(0, colon == std::string_view::npos ? 0 : colon);
    if (field.empty() || !std::all_of(field.begin(), field.end(), is_tchar)) {
      out.error = "a multipart part has a malformed header line (want `Name: value`)";
      return out;
    }
    if (!iequals(field, "content-disposition")) continue;
    if (seen) {
      out.error = "a multipart part has two Content-Disposition headers";
      return out;
    }
    seen = true;
    const auto value = trim(line.substr(colon + 1));
    std::size_t type_end = 0;
    while (type_end < value.size() && is_tchar(value[type_end])) ++type_end;
    auto params = header_params(value.substr(type_end));
    const Param* name = params ? find_param(*params, "name") : nullptr;
    if (!iequals(value.substr(0, type_end), "form-data") || name == nullptr) {
      out.error = params ? "a multipart part's Content-Disposition must be `form-data; name=\"…\"`"
                         : "a multipart part's Content-Disposition is malformed (an unclosed quote, a parameter "
                           "given twice, or text outside a parameter)";
      return out;
    }
    out.name = name->value;
  }
  if (!seen) out.error = "a multipart part has no Content-Disposition header (RFC 7578: each part names its field)";
  return out;
}

}  // namespace

bool is_multipart_form(std::string_view content_type) {
  auto type = trim(content_type.substr(0, content_type.find(';')));
  return iequals(type, "multipart/form-data");
}

std::string multipart_boundary(std::string_view content_type) {
  if (!is_multipart_form(content_type)) return {};
  const auto semi = content_type.find(';');
  if (semi == std::string_view::npos) return {};
  const auto params = header_params(content_type.substr(semi));
  const Param* boundary = params ? find_param(*params, "boundary") : nullptr;
  const std::string b = boundary != nullptr ? boundary->value : std::string();
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
  if (pending_ == "-") return false;  // may be the closing "--"
  // Transport padding (RFC 2046): spaces and tabs, at most kPaddingLimit,
  // then CRLF. Judged alike whatever the split: without the CRLF yet, a
  // last CR may be its start.
  const auto eol = pending_.find("\r\n");
  std::string_view padding(pending_.data(), eol == std::string::npos ? pending_.size() : eol);
  if (eol == std::string::npos && padding.ends_with('\r')) padding.remove_suffix(1);
  if (padding.size() > kPaddingLimit || padding.find_first_not_of(" \t") != std::string_view::npos) {
    fail("malformed_multipart", "malformed multipart delimiter line");
    return false;
  }
  if (eol == std::string::npos) return false;
  emit(std::string_view(pending_).substr(0, eol + 2), out);
  pending_.erase(0, eol + 2);
  where_ = Where::part_head;
  return true;
}

bool MultipartRewriter::part_head(std::string& out) {
  // No header lines: the head is the blank line alone (and is refused:
  // no Content-Disposition).
  std::size_t end = 0;
  const bool empty_head = pending_.size() >= 2 && pending_.compare(0, 2, "\r\n") == 0;
  const auto at = empty_head ? 0 : pending_.find("\r\n\r\n");
  // RFC 2046 and 7578 end lines with CRLF: a bare LF would end a line for
  // one parser and not for another.
  const std::size_t scanned = empty_head                ? 2
                              : at == std::string::npos ? std::min(pending_.size(), kPartHeadLimit + 4)
                                                        : at + 4;
  if (bare_line_end(std::string_view(pending_).substr(0, scanned)) != std::string_view::npos) {
    fail("malformed_multipart", "a multipart part's header lines must end with CRLF (a bare LF or CR was sent)");
    return false;
  }
  if (empty_head) {
    end = 2;
  } else {
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
  const PartName name = part_name(std::string_view(pending_).substr(0, end - 2));
  if (!name.error.empty()) {
    fail("malformed_multipart", name.error);
    return false;
  }
  model_part_ = name.name == "model";
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
