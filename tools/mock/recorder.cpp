#include "recorder.hpp"

#include <charconv>
#include <utility>

#include "images.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace {

// Copies `src` into a reused slot string, but gives back memory when the slot
// once held something much larger (a 64 MiB body must not stay resident).
void assign_reusing(std::string& slot, std::string_view src) {
  constexpr std::size_t kKeep = 64 * 1024;
  if (slot.capacity() > kKeep && slot.capacity() > 4 * src.size()) std::string().swap(slot);
  slot.assign(src.data(), src.size());
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

struct Header {
  std::string name;  // lowercased
  std::string value;
};

// Parses "Name: value\r\n" lines; repeated names are joined with ", ".
std::vector<Header> parse_headers(std::string_view raw) {
  std::vector<Header> out;
  while (!raw.empty()) {
    std::size_t eol = raw.find("\r\n");
    std::string_view line = raw.substr(0, eol);
    raw = eol == std::string_view::npos ? std::string_view{} : raw.substr(eol + 2);
    const std::size_t colon = line.find(": ");
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = ascii_lower(c);
    std::string_view value = line.substr(colon + 2);
    bool merged = false;
    for (auto& h : out) {
      if (h.name != name) continue;
      h.value += ", ";
      h.value += value;
      merged = true;
      break;
    }
    if (!merged) out.push_back({std::move(name), std::string(value)});
  }
  return out;
}

void append_bool(std::string& out, bool v) { out += v ? "true" : "false"; }

// Nanoseconds as milliseconds with three decimals ("1234.567").
void append_millis(std::string& out, std::int64_t ns) {
  const std::uint64_t us = ns < 0 ? 0 : static_cast<std::uint64_t>(ns) / 1000;
  append_uint(out, us / 1000);
  const unsigned frac = static_cast<unsigned>(us % 1000);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + frac / 100));
  out.push_back(static_cast<char>('0' + frac / 10 % 10));
  out.push_back(static_cast<char>('0' + frac % 10));
}

}  // namespace

Recorder::Recorder() : ring_(kCapacity) {}

void Recorder::drop_oldest() {
  Entry& e = ring_[first_seq_ % kCapacity];
  body_bytes_ -= e.body.size();
  std::string().swap(e.body);
  e.seq = 0;
  ++first_seq_;
}

Recorder::Ticket Recorder::begin(std::string_view method, std::string_view target,
                                 std::string_view raw_headers, std::string_view body) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  const std::uint64_t seq = next_seq_++;
  if (seq - first_seq_ >= kCapacity) drop_oldest();
  Entry& e = ring_[seq % kCapacity];
  body_bytes_ -= e.seq != 0 ? e.body.size() : 0;
  e.seq = seq;
  assign_reusing(e.method, method);
  assign_reusing(e.target, target);
  assign_reusing(e.headers, raw_headers);
  assign_reusing(e.body, body);
  e.fault.clear();
  e.received_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - origin_).count();
  e.completed = false;
  e.aborted = false;
  e.body_first_ns = -1;
  e.body_last_ns = -1;
  body_bytes_ += e.body.size();
  while (body_bytes_ > kMaxBodyBytes && first_seq_ < seq) drop_oldest();
  ++received_;
  return {seq, epoch_};
}

Recorder::Entry* Recorder::entry(Ticket ticket) {
  if (ticket.epoch != epoch_) return nullptr;  // recorded before a reset
  if (ticket.seq < first_seq_ || ticket.seq >= next_seq_) return nullptr;
  Entry& e = ring_[ticket.seq % kCapacity];
  return e.seq == ticket.seq ? &e : nullptr;
}

void Recorder::set_fault(Ticket ticket, std::string_view fault) {
  std::lock_guard lock(mu_);
  if (Entry* e = entry(ticket)) e->fault.assign(fault.data(), fault.size());
}

void Recorder::finish(Ticket ticket, bool aborted) {
  std::lock_guard lock(mu_);
  if (ticket.epoch != epoch_) return;  // recorded before a reset
  (aborted ? aborted_ : completed_) += 1;
  Entry* e = entry(ticket);
  if (e == nullptr) return;
  e->completed = !aborted;
  e->aborted = aborted;
}

std::uint64_t Recorder::upload_begin() {
  std::lock_guard lock(mu_);
  const std::uint64_t id = next_upload_++;
  uploads_.emplace_back(id, 0);
  return id;
}

void Recorder::upload_bytes(std::uint64_t id, std::uint64_t n) {
  std::lock_guard lock(mu_);
  for (auto& [upload, bytes] : uploads_) {
    if (upload == id) bytes += n;
  }
}

void Recorder::upload_end(std::uint64_t id) {
  std::lock_guard lock(mu_);
  std::erase_if(uploads_, [id](const auto& u) { return u.first == id; });
  ++uploads_done_;
}

void Recorder::set_body_times(Ticket ticket, std::chrono::steady_clock::time_point first,
                              std::chrono::steady_clock::time_point last) {
  std::lock_guard lock(mu_);
  if (Entry* e = entry(ticket)) {
    e->body_first_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(first - origin_).count();
    e->body_last_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(last - origin_).count();
  }
}

std::string Recorder::uploads_json() const {
  std::lock_guard lock(mu_);
  std::string out = "{\"active\":[";
  for (std::size_t i = 0; i < uploads_.size(); ++i) {
    if (i != 0) out.push_back(',');
    out += "{\"id\":";
    append_uint(out, uploads_[i].first);
    out += ",\"bytes\":";
    append_uint(out, uploads_[i].second);
    out.push_back('}');
  }
  out += "],\"finished\":";
  append_uint(out, uploads_done_);
  out.push_back('}');
  return out;
}

std::string Recorder::requests_json(std::size_t last) const {
  std::lock_guard lock(mu_);
  std::string out = "{\"requests\":[";
  std::uint64_t from = first_seq_;
  if (next_seq_ - first_seq_ > last) from = next_seq_ - last;
  for (std::uint64_t seq = from; seq < next_seq_; ++seq) {
    const Entry& e = ring_[seq % kCapacity];
    if (seq != from) out.push_back(',');
    out += "{\"seq\":";
    append_uint(out, e.seq);
    out += ",\"method\":";
    append_json_string(out, e.method);
    out += ",\"path\":";
    append_json_string(out, e.target);
    out += ",\"headers\":{";
    bool first = true;
    for (const auto& h : parse_headers(e.headers)) {
      if (!first) out.push_back(',');
      first = false;
      append_json_string(out, h.name);
      out.push_back(':');
      append_json_string(out, h.value);
    }
    out += "},\"body\":";
    append_json_string(out, e.body);
    out += ",\"received_at_ms\":";
    append_millis(out, e.received_ns);
    if (e.body_first_ns >= 0) {
      out += ",\"body_first_byte_ms\":";
      append_millis(out, e.body_first_ns);
      out += ",\"body_last_byte_ms\":";
      append_millis(out, e.body_last_ns);
    }
    out += ",\"fault\":";
    if (e.fault.empty()) {
      out += "null";
    } else {
      append_json_string(out, e.fault);
    }
    out += ",\"completed\":";
    append_bool(out, e.completed);
    out += ",\"aborted\":";
    append_bool(out, e.aborted);
    out.push_back('}');
  }
  out += "]}";
  return out;
}

std::string Recorder::stats_json() const {
  std::lock_guard lock(mu_);
  std::string out = "{\"received\":";
  append_uint(out, received_);
  out += ",\"completed\":";
  append_uint(out, completed_);
  out += ",\"aborted\":";
  append_uint(out, aborted_);
  out.push_back('}');
  return out;
}

void Recorder::reset() {
  std::lock_guard lock(mu_);
  ++epoch_;
  for (auto& e : ring_) e = Entry{};
  first_seq_ = next_seq_ = 1;
  body_bytes_ = 0;
  received_ = completed_ = aborted_ = 0;
}

namespace {

// Value of `key` in a query string ("a=1&last=5"), empty if absent.
std::string_view query_param(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.size() > key.size() && pair.starts_with(key) && pair[key.size()] == '=') {
      return pair.substr(key.size() + 1);
    }
  }
  return {};
}

void control_error(Plan& plan, int status, std::string_view message) {
  plan.status = status;
  plan.body = "{\"error\":{\"message\":";
  append_json_string(plan.body, message);
  plan.body += ",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}";
}

}  // namespace

bool handle_control(Recorder& recorder, const RequestView& req, Plan& plan) {
  std::string_view path = req.target;
  std::string_view query;
  if (const std::size_t q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  if (!path.starts_with("/__mock/")) return false;
  const std::string_view name = path.substr(8);
  const bool get = req.method == "GET";
  if (name == "requests" && get) {
    std::size_t last = Recorder::kCapacity;
    const std::string_view v = query_param(query, "last");
    if (!v.empty()) std::from_chars(v.data(), v.data() + v.size(), last);
    plan.body = recorder.requests_json(last);
  } else if (name == "stats" && get) {
    plan.body = recorder.stats_json();
  } else if (name == "reset" && (req.method == "POST" || get)) {
    recorder.reset();
    plan.body = "{\"ok\":true}";
  } else if (name == "uploads" && get) {
    plan.body = recorder.uploads_json();
  } else if (name == "held" && get) {
    plan.body = "{\"held\":";
    append_uint(plan.body, recorder.held());
    plan.body.push_back('}');
  } else if (name == "release" && req.method == "POST") {
    const std::uint64_t held = recorder.held();
    recorder.release();
    plan.body = "{\"released\":";
    append_uint(plan.body, held);
    plan.body.push_back('}');
  } else if (get && serve_mock_file(name, req.target, plan)) {
    // an image file or the redirect control (images.hpp)
  } else if (name == "requests" || name == "stats" || name == "reset" || name == "held" || name == "release") {
    control_error(plan, 405, "Method not allowed for this mock control route.");
  } else {
    control_error(plan, 404,
                  "Unknown mock control route. Known: /__mock/requests, /__mock/stats, /__mock/reset, /__mock/held, "
                  "/__mock/release, /__mock/uploads, /__mock/image/{id}.png, /__mock/redirect?to=.");
  }
  return true;
}

}  // namespace aisbf_mock
