#include "http/ndjson_splitter.hpp"

#include <cstring>

namespace aisbf::ndjson {

void Splitter::feed(std::string_view bytes) {
  if (overflow_) return;
  if (begin_ > 0 && begin_ == buf_.size()) {
    buf_.clear();
    begin_ = scan_ = 0;
  } else if (begin_ > 4096 && begin_ * 2 > buf_.size()) {
    buf_.erase(0, begin_);  // compact once the consumed part dominates
    scan_ -= begin_;
    begin_ = 0;
  }
  buf_.append(bytes);
}

Status Splitter::next(std::string_view& line) {
  if (overflow_) return Status::too_large;
  for (;;) {
    const char* start = buf_.data() + scan_;
    const auto* nl = static_cast<const char*>(std::memchr(start, '\n', buf_.size() - scan_));
    if (nl == nullptr) {
      scan_ = buf_.size();
      if (buf_.size() - begin_ > max_) {
        overflow_ = true;
        return Status::too_large;
      }
      return Status::need_more;
    }
    std::size_t end = static_cast<std::size_t>(nl - buf_.data());
    std::string_view candidate(buf_.data() + begin_, end - begin_);
    begin_ = scan_ = end + 1;
    if (!candidate.empty() && candidate.back() == '\r') candidate.remove_suffix(1);
    if (candidate.size() > max_) {
      overflow_ = true;
      return Status::too_large;
    }
    if (candidate.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank line
    line = candidate;
    return Status::line;
  }
}

std::string_view Splitter::finish() {
  std::string_view rest(buf_.data() + begin_, buf_.size() - begin_);
  if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);
  begin_ = scan_ = buf_.size();
  return rest.find_first_not_of(" \t") == std::string_view::npos ? std::string_view{} : rest;
}

}  // namespace aisbf::ndjson
