// bench-loadgen: a small HTTP/1.1 load generator for bench/run.
//
//   bench-loadgen --mode latency|ttfb|throughput --url http://127.0.0.1:PORT/path
//                 --body-file FILE [--concurrency C] [--requests N | --duration S]
//                 [--warmup N] [--header "Name: value"]... [--expect TEXT]
//                 [--timeout S] [--first-event openai|anthropic|responses]
//                 [--alt-body-file FILE] [--alt-url URL [--alt-header "Name: value"]...]
//                 [--vary TOKEN]
//
// One keep-alive connection per concurrent worker, all driven by one
// epoll loop that blocks in epoll_wait (no busy polling). Every request is the
// same POST of the body file (but see --vary). Responses are parsed with Content-Length,
// chunked transfer encoding, or read-until-close.
//
//   latency     time from writing the request to the last byte of the answer
//   ttfb        time from writing the request to the first SSE `data:` line that
//               carries content (the body must ask for a stream). What counts
//               is --first-event: `openai` (the default), a chat.completion.chunk
//               whose delta has a non-empty "content"; `anthropic`, a
//               content_block_delta whose delta is a "text_delta" with a
//               non-empty "text"; `responses` (the OpenAI Responses API), a
//               response.output_text.delta event with a non-empty "delta"
//   throughput  like latency; the point is the rate (answers / second)
//
// The warm-up requests run first, to completion, and are not recorded. With
// --duration no request is started after the deadline and those in flight are
// waited for, so `answers` is exactly the number of complete HTTP answers
// received (warm-up included), which bench/run compares with the upstream's
// own count. Prints one JSON object on stdout.
//
// --alt-body-file: every second request sends this body instead (same URL,
// same headers), and its samples are reported apart as alt_count, alt_p50_us,
// alt_p90_us, alt_p99_us, alt_mean_us; count, rps and p50_us… are then the
// main body's alone (answers counts both). Two request kinds measured
// alternately on the same connection see the same machine state, so their
// difference is not lost in the drift between separate runs.
//
// --alt-url: every second request goes to this URL instead, on a connection
// of its own, with the --alt-header headers (not --header's) and the body of
// --alt-body-file (--body-file's when not given). Needs --concurrency 1: two
// connections, one request at a time, strictly alternating A, B, A, B (warm-up
// included; a failed request still takes its turn). The second URL's samples
// are reported as alt_count, alt_p50_us… as above. Two servers measured
// alternately see the same machine state.
//
// --vary TOKEN: every request's first TOKEN (in its body, main or alternate)
// is replaced by a number of its own, as many decimal digits as TOKEN has
// characters, counting up from one taken from the clock: no two requests
// send the same body, in this run or the next (a response cache misses on
// every one). The body's length does not change.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iterator>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

enum class Mode { Latency, Ttfb, Throughput };
enum class FirstEvent { OpenAI, Anthropic, Responses };

struct Options {
  Mode mode = Mode::Latency;
  FirstEvent first_event = FirstEvent::OpenAI;
  std::string host = "127.0.0.1";
  int port = 80;
  std::string path = "/";
  std::string body;
  std::string alt_body;  // empty: every request sends `body`
  std::vector<std::string> headers;
  // --alt-url: every second request goes there, on a connection of its own
  bool alt_url = false;
  std::string alt_host;
  int alt_port = 80;
  std::string alt_path = "/";
  std::vector<std::string> alt_headers;
  std::string expect;
  std::string vary;  // --vary TOKEN
  int concurrency = 1;
  long requests = 0;
  double duration = 0;
  long warmup = 0;
  double timeout = 10;
};

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr, "bench-loadgen: %s\n", msg);
  std::fprintf(stderr,
               "usage: bench-loadgen --mode latency|ttfb|throughput --url URL --body-file F\n"
               "       [--concurrency C] [--requests N | --duration S] [--warmup N]\n"
               "       [--header 'K: V']... [--expect TEXT] [--timeout S]\n"
               "       [--first-event openai|anthropic|responses] [--alt-body-file F]\n"
               "       [--alt-url URL [--alt-header 'K: V']...] [--vary TOKEN]\n");
  std::exit(2);
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

bool icontains(std::string_view s, std::string_view needle) {
  if (needle.size() > s.size()) return false;
  for (size_t i = 0; i + needle.size() <= s.size(); ++i)
    if (iequals_prefix(s.substr(i), needle)) return true;
  return false;
}

// Is `key` (a quoted JSON key) somewhere after `from` followed by a non-empty
// string value?
bool non_empty_string_after(std::string_view line, std::string_view key, size_t from) {
  for (auto c = line.find(key, from); c != std::string_view::npos; c = line.find(key, c + 1)) {
    size_t i = c + key.size();
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size() || line[i] != ':') continue;  // a value that looks like the key
    ++i;
    while (i < line.size() && line[i] == ' ') ++i;
    if (i + 1 < line.size() && line[i] == '"' && line[i + 1] != '"') return true;
  }
  return false;
}

// OpenAI: does this SSE line (`data: {...}`) carry a delta with non-empty content?
bool has_openai_content(std::string_view line) {
  auto d = line.find("\"delta\"");
  if (d == std::string_view::npos) return false;
  return non_empty_string_after(line, "\"content\"", d);
}

// Anthropic: is this SSE line a content_block_delta with a text_delta whose
// text is non-empty? (thinking_delta, input_json_delta and empty text do not count)
bool has_anthropic_content(std::string_view line) {
  if (line.find("\"content_block_delta\"") == std::string_view::npos) return false;
  auto d = line.find("\"delta\"");
  if (d == std::string_view::npos || line.find("\"text_delta\"", d) == std::string_view::npos) return false;
  return non_empty_string_after(line, "\"text\"", d);
}

// Responses API: is this SSE line a response.output_text.delta event whose
// delta is non-empty? (Its "type" names the event; the text is the string
// "delta" itself, not an object as in chat.)
bool has_responses_content(std::string_view line) {
  if (line.find("\"response.output_text.delta\"") == std::string_view::npos) return false;
  return non_empty_string_after(line, "\"delta\"", 0);
}

bool has_content(FirstEvent e, std::string_view line) {
  switch (e) {
    case FirstEvent::OpenAI:
      return has_openai_content(line);
    case FirstEvent::Anthropic:
      return has_anthropic_content(line);
    case FirstEvent::Responses:
      return has_responses_content(line);
  }
  return false;
}

const char* first_event_name(FirstEvent e) {
  switch (e) {
    case FirstEvent::OpenAI:
      return "openai";
    case FirstEvent::Anthropic:
      return "anthropic";
    case FirstEvent::Responses:
      return "responses";
  }
  return "?";
}

// Incremental HTTP/1.1 response parser over a growing input buffer.
struct Response {
  enum class Body { None, Length, Chunked, UntilClose } body_kind = Body::None;
  enum class Chunk { Size, Data, DataEnd, Trailer } chunk = Chunk::Size;
  bool headers_done = false;
  bool done = false;
  bool close_after = false;
  int status = 0;
  size_t remaining = 0;  // Length: body bytes left; Chunked/Data: chunk bytes left
  std::string body;      // decoded body
  size_t sse_scan = 0;   // ttfb: body offset of the first line not yet scanned
  bool content_seen = false;

  void reset() { *this = Response(); }
};

struct Conn {
  int fd = -1;
  bool connecting = false;
  bool busy = false;        // a request is in flight
  bool measured = false;    // the request in flight is recorded
  bool alt = false;         // the request in flight sends the alternate body (or goes to --alt-url)
  bool alt_conn = false;    // --alt-url: this connection goes to the alternate URL
  size_t sent = 0;          // bytes of the request written
  std::string in;           // unparsed input
  size_t in_pos = 0;
  Response resp;
  int64_t t_send = 0;
  int64_t t_first = 0;
  std::string varied;       // --vary: the request in flight, its token replaced
};

struct Stats {
  std::vector<int64_t> samples;  // ns
  std::vector<int64_t> alt_samples;  // ns, requests with the alternate body
  long answers = 0;              // complete HTTP answers, any status, any phase
  long errors = 0;
  long non2xx = 0;
  long transport_errors = 0;
  long expect_failures = 0;
  long no_content = 0;
  long timeouts = 0;
  long ok_measured = 0;
};

class Loadgen {
 public:
  explicit Loadgen(Options o) : opt_(std::move(o)) {
    auto build = [&](const std::string& host, int port, const std::string& path,
                     const std::vector<std::string>& headers, const std::string& body) {
      std::ostringstream r;
      r << "POST " << path << " HTTP/1.1\r\n"
        << "Host: " << host << ":" << port << "\r\n"
        << "Content-Type: application/json\r\n"
        << "Content-Length: " << body.size() << "\r\n";
      if (opt_.mode == Mode::Ttfb) r << "Accept: text/event-stream\r\n";
      for (auto& h : headers) r << h << "\r\n";
      r << "\r\n" << body;
      return r.str();
    };
    auto resolve = [](const std::string& host, int port, const char* opt) {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(uint16_t(port));
      std::string h = host == "localhost" ? "127.0.0.1" : host;
      if (inet_pton(AF_INET, h.c_str(), &a.sin_addr) != 1)
        usage((std::string(opt) + " host must be an IPv4 address or localhost").c_str());
      return a;
    };
    request_ = build(opt_.host, opt_.port, opt_.path, opt_.headers, opt_.body);
    addr_ = resolve(opt_.host, opt_.port, "--url");
    alt_addr_ = addr_;
    if (opt_.alt_url) {
      request_alt_ = build(opt_.alt_host, opt_.alt_port, opt_.alt_path, opt_.alt_headers,
                           opt_.alt_body.empty() ? opt_.body : opt_.alt_body);
      alt_addr_ = resolve(opt_.alt_host, opt_.alt_port, "--alt-url");
    } else if (!opt_.alt_body.empty()) {
      request_alt_ = build(opt_.host, opt_.port, opt_.path, opt_.headers, opt_.alt_body);
    }
    if (!opt_.vary.empty()) {
      vary_at_ = find_body_token(request_);
      vary_alt_at_ = request_alt_.empty() ? std::string::npos : find_body_token(request_alt_);
      if (vary_at_ == std::string::npos && vary_alt_at_ == std::string::npos) usage("--vary: TOKEN is in no body");
      vary_next_ = uint64_t(now_ns());
    }
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    // --alt-url: connection 0 to --url, connection 1 to --alt-url (concurrency 1).
    conns_.resize(opt_.alt_url ? 2 : size_t(opt_.concurrency));
    if (opt_.alt_url) conns_[1].alt_conn = true;
  }

  // Runs `limit` requests (0 = unlimited) until `deadline_ns` (0 = none);
  // records them when `record`. Returns when nothing is in flight.
  void phase(long limit, int64_t deadline_ns, bool record) {
    limit_ = limit;
    deadline_ = deadline_ns;
    record_ = record;
    issued_ = 0;
    for (auto& c : conns_) maybe_start(c);
    epoll_event evs[256];
    while (in_flight() > 0) {
      int n = epoll_wait(ep_, evs, 256, 100);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::perror("epoll_wait");
        std::exit(1);
      }
      for (int i = 0; i < n; ++i) on_event(conns_[evs[i].data.u32], evs[i].events);
      check_timeouts();
      // Connections whose request failed start the next one here, at most
      // once per loop turn (a dead server ends the phase instead of spinning).
      for (auto& c : conns_) maybe_start(c);
    }
  }

  const Stats& stats() const { return stats_; }

 private:
  long in_flight() const {
    long n = 0;
    for (auto& c : conns_) n += c.busy;
    return n;
  }

  bool may_issue() const {
    if (give_up_) return false;
    if (limit_ > 0 && issued_ >= limit_) return false;
    if (deadline_ > 0 && now_ns() >= deadline_) return false;
    return true;
  }

  void arm(Conn& c, uint32_t events, int op = EPOLL_CTL_MOD) {
    epoll_event e{};
    e.events = events;
    e.data.u32 = uint32_t(&c - conns_.data());
    epoll_ctl(ep_, op, c.fd, &e);
  }

  void open(Conn& c) {
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const sockaddr_in& addr = c.alt_conn ? alt_addr_ : addr_;
    int r = connect(c.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    c.connecting = r != 0 && errno == EINPROGRESS;
    if (r != 0 && !c.connecting) {
      ::close(c.fd);
      c.fd = -1;
      return;
    }
    arm(c, EPOLLOUT, EPOLL_CTL_ADD);
  }

  void drop(Conn& c) {
    if (c.fd >= 0) {
      epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
      ::close(c.fd);
    }
    c.fd = -1;
    c.connecting = false;
    c.in.clear();
    c.in_pos = 0;
  }

  void maybe_start(Conn& c) {
    if (c.busy || !may_issue()) return;
    // --alt-url: one request at a time, on connection 0 then 1 then 0…
    // (turn_ is not reset between warm-up and measurement: no two in a row.)
    if (opt_.alt_url && (in_flight() > 0 || size_t(&c - conns_.data()) != size_t(turn_ % 2))) return;
    ++issued_;
    ++turn_;
    c.busy = true;
    c.measured = record_;
    c.alt = opt_.alt_url ? c.alt_conn : !request_alt_.empty() && issued_ % 2 == 0;
    c.sent = 0;
    c.resp.reset();
    if (!opt_.vary.empty()) vary(c);
    c.t_first = 0;
    if (c.fd < 0) {
      open(c);
      if (c.fd < 0) {
        fail(c, stats_.transport_errors, std::strerror(errno));
        return;
      }
      if (c.connecting) return;  // send when connected
    }
    c.t_send = now_ns();
    write_some(c);
  }

  const std::string& request_of(const Conn& c) const {
    if (!opt_.vary.empty()) return c.varied;
    return c.alt ? request_alt_ : request_;
  }

  // The offset of --vary's token in a built request's body (after the head).
  size_t find_body_token(const std::string& request) const {
    const size_t head_end = request.find("\r\n\r\n");
    return request.find(opt_.vary, head_end == std::string::npos ? 0 : head_end);
  }

  void vary(Conn& c) {
    c.varied = c.alt ? request_alt_ : request_;
    const size_t at = c.alt ? vary_alt_at_ : vary_at_;
    if (at == std::string::npos) return;
    uint64_t n = vary_next_++;
    // The token's width in decimal digits, the lowest ones of n.
    for (size_t i = opt_.vary.size(); i-- > 0; n /= 10) c.varied[at + i] = char('0' + n % 10);
  }

  void write_some(Conn& c) {
    const std::string& request = request_of(c);
    while (c.sent < request.size()) {
      ssize_t n = send(c.fd, request.data() + c.sent, request.size() - c.sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN) {
          arm(c, EPOLLIN | EPOLLOUT);
          return;
        }
        if (errno == EINTR) continue;
        fail(c, stats_.transport_errors, std::strerror(errno));
        return;
      }
      c.sent += size_t(n);
    }
    arm(c, EPOLLIN);
  }

  // The request in flight on c failed: count it; the phase loop starts the
  // next one on a new connection.
  void fail(Conn& c, long& counter, const char* why) {
    ++counter;
    ++stats_.errors;
    if (++consecutive_failures_ == 100 && !give_up_) {
      give_up_ = true;
      std::fprintf(stderr, "bench-loadgen: 100 failures in a row, giving up (%s)\n", why);
    }
    if (stats_.transport_errors + stats_.timeouts <= 3) std::fprintf(stderr, "bench-loadgen: request failed: %s\n", why);
    c.busy = false;
    drop(c);
  }

  void on_event(Conn& c, uint32_t events) {
    if (c.fd < 0) return;
    if (c.connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        fail(c, stats_.transport_errors, std::strerror(err));
        return;
      }
      c.connecting = false;
      c.t_send = now_ns();
      write_some(c);
      return;
    }
    if ((events & EPOLLOUT) && c.busy && c.sent < request_of(c).size()) write_some(c);
    if (c.fd < 0) return;
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_some(c);
  }

  void read_some(Conn& c) {
    char buf[65536];
    for (;;) {
      ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n < 0) {
        if (errno == EAGAIN) return;
        if (errno == EINTR) continue;
        if (c.busy) fail(c, stats_.transport_errors, std::strerror(errno));
        else drop(c);
        return;
      }
      if (n == 0) {  // peer closed
        if (c.busy && c.resp.headers_done && c.resp.body_kind == Response::Body::UntilClose) {
          c.resp.done = true;
          c.resp.close_after = true;
          complete(c);
        } else if (c.busy) {
          fail(c, stats_.transport_errors, "the server closed the connection before the answer was complete");
        } else {
          drop(c);
        }
        return;
      }
      if (!c.busy) continue;  // unsolicited bytes: ignore
      c.in.append(buf, size_t(n));
      long before = stats_.answers + stats_.errors;
      parse(c);
      if (stats_.answers + stats_.errors != before) return;  // answered: maybe a new connection
    }
  }

  bool take_line(Conn& c, std::string_view& line) {
    auto p = c.in.find("\r\n", c.in_pos);
    if (p == std::string::npos) return false;
    line = std::string_view(c.in).substr(c.in_pos, p - c.in_pos);
    c.in_pos = p + 2;
    return true;
  }

  void append_body(Conn& c, const char* p, size_t n) {
    c.resp.body.append(p, n);
    if (opt_.mode != Mode::Ttfb || c.resp.content_seen) return;
    auto& b = c.resp.body;
    for (;;) {
      auto nl = b.find('\n', c.resp.sse_scan);
      if (nl == std::string::npos) break;
      std::string_view line = std::string_view(b).substr(c.resp.sse_scan, nl - c.resp.sse_scan);
      c.resp.sse_scan = nl + 1;
      if (line.rfind("data:", 0) == 0 && has_content(opt_.first_event, line)) {
        c.resp.content_seen = true;
        c.t_first = now_ns();
        break;
      }
    }
  }

  void parse(Conn& c) {
    Response& r = c.resp;
    while (!r.done) {
      if (!r.headers_done) {
        auto end = c.in.find("\r\n\r\n", c.in_pos);
        if (end == std::string::npos) return;
        std::string_view head = std::string_view(c.in).substr(c.in_pos, end - c.in_pos);
        c.in_pos = end + 4;
        auto sp = head.find(' ');
        if (sp == std::string_view::npos) return fail(c, stats_.transport_errors, "malformed status line");
        r.status = std::atoi(std::string(head.substr(sp + 1, 3)).c_str());
        r.body_kind = Response::Body::UntilClose;
        bool has_length = false;
        size_t pos = head.find("\r\n");
        while (pos != std::string_view::npos) {
          size_t next = head.find("\r\n", pos + 2);
          std::string_view h = head.substr(pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
          if (iequals_prefix(h, "content-length:")) {
            has_length = true;
            r.remaining = size_t(std::strtoull(std::string(h.substr(15)).c_str(), nullptr, 10));
          } else if (iequals_prefix(h, "transfer-encoding:") && icontains(h, "chunked")) {
            r.body_kind = Response::Body::Chunked;
          } else if (iequals_prefix(h, "connection:") && icontains(h, "close")) {
            r.close_after = true;
          }
          pos = next;
        }
        if (r.body_kind != Response::Body::Chunked && has_length) r.body_kind = Response::Body::Length;
        if (r.status == 204 || r.status == 304 || r.status / 100 == 1) {
          if (r.status / 100 == 1) {  // interim answer: the real one follows
            r.reset();
            continue;
          }
          r.body_kind = Response::Body::Length;
          r.remaining = 0;
        }
        r.headers_done = true;
        continue;
      }
      switch (r.body_kind) {
        case Response::Body::None:
        case Response::Body::Length: {
          size_t n = std::min(r.remaining, c.in.size() - c.in_pos);
          append_body(c, c.in.data() + c.in_pos, n);
          c.in_pos += n;
          r.remaining -= n;
          if (r.remaining > 0) return compact(c);
          r.done = true;
          break;
        }
        case Response::Body::UntilClose: {
          append_body(c, c.in.data() + c.in_pos, c.in.size() - c.in_pos);
          c.in_pos = c.in.size();
          return compact(c);
        }
        case Response::Body::Chunked: {
          std::string_view line;
          if (r.chunk == Response::Chunk::Size) {
            if (!take_line(c, line)) return compact(c);
            r.remaining = size_t(std::strtoull(std::string(line).c_str(), nullptr, 16));
            r.chunk = r.remaining == 0 ? Response::Chunk::Trailer : Response::Chunk::Data;
          } else if (r.chunk == Response::Chunk::Data) {
            size_t n = std::min(r.remaining, c.in.size() - c.in_pos);
            if (n == 0) return compact(c);
            append_body(c, c.in.data() + c.in_pos, n);
            c.in_pos += n;
            r.remaining -= n;
            if (r.remaining == 0) r.chunk = Response::Chunk::DataEnd;
          } else if (r.chunk == Response::Chunk::DataEnd) {
            if (!take_line(c, line)) return compact(c);
            r.chunk = Response::Chunk::Size;
          } else {
            if (!take_line(c, line)) return compact(c);
            if (line.empty()) r.done = true;
          }
          break;
        }
      }
    }
    complete(c);
  }

  void compact(Conn& c) {
    if (c.in_pos > 0 && (c.in_pos == c.in.size() || c.in_pos > 65536)) {
      c.in.erase(0, c.in_pos);
      c.in_pos = 0;
    }
  }

  void complete(Conn& c) {
    int64_t t_end = now_ns();
    Response& r = c.resp;
    ++stats_.answers;
    consecutive_failures_ = 0;
    bool ok = r.status >= 200 && r.status < 300;
    if (!ok) {
      ++stats_.non2xx, ++stats_.errors;
      if (stats_.non2xx <= 3)
        std::fprintf(stderr, "bench-loadgen: HTTP %d: %.300s\n", r.status, r.body.c_str());
    } else if (!opt_.expect.empty() && r.body.find(opt_.expect) == std::string::npos) {
      ok = false;
      ++stats_.expect_failures, ++stats_.errors;
      if (stats_.expect_failures <= 3)
        std::fprintf(stderr, "bench-loadgen: answer lacks \"%s\": %.300s\n", opt_.expect.c_str(), r.body.c_str());
    } else if (opt_.mode == Mode::Ttfb && !r.content_seen) {
      ok = false;
      ++stats_.no_content, ++stats_.errors;
      if (stats_.no_content <= 3)
        std::fprintf(stderr, "bench-loadgen: stream had no content event: %.300s\n", r.body.c_str());
    }
    if (ok && c.measured) {
      ++stats_.ok_measured;
      (c.alt ? stats_.alt_samples : stats_.samples).push_back((opt_.mode == Mode::Ttfb ? c.t_first : t_end) - c.t_send);
    }
    c.busy = false;
    bool close_it = r.close_after;
    // Keep whatever followed the answer (nothing, for a well-behaved server).
    c.in.erase(0, c.in_pos);
    c.in_pos = 0;
    r.reset();
    if (close_it) drop(c);
    if (opt_.alt_url) {
      for (auto& n : conns_) maybe_start(n);  // the other connection's turn
    } else {
      maybe_start(c);
    }
  }

  void check_timeouts() {
    int64_t now = now_ns();
    int64_t limit = int64_t(opt_.timeout * 1e9);
    for (auto& c : conns_)
      if (c.busy && c.fd >= 0 && !c.connecting && c.t_send > 0 && now - c.t_send > limit) {
        fail(c, stats_.timeouts, "timed out");
      }
  }

  Options opt_;
  std::string request_;
  std::string request_alt_;  // empty without --alt-body-file or --alt-url
  size_t vary_at_ = std::string::npos, vary_alt_at_ = std::string::npos;  // --vary: the token's offsets
  uint64_t vary_next_ = 0;
  sockaddr_in addr_{};
  sockaddr_in alt_addr_{};  // --alt-url's (addr_ without it)
  int ep_ = -1;
  std::vector<Conn> conns_;
  long limit_ = 0;
  int64_t deadline_ = 0;
  bool record_ = false;
  long issued_ = 0;
  long turn_ = 0;  // --alt-url: requests issued in all phases
  long consecutive_failures_ = 0;
  bool give_up_ = false;
  Stats stats_;
};

bool parse_url(const std::string& url, std::string& host, int& port, std::string& path) {
  std::string v = url;
  if (v.rfind("http://", 0) != 0) return false;
  v = v.substr(7);
  auto slash = v.find('/');
  std::string hostport = slash == std::string::npos ? v : v.substr(0, slash);
  path = slash == std::string::npos ? "/" : v.substr(slash);
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) {
    host = hostport;
    port = 80;
  } else {
    host = hostport.substr(0, colon);
    port = std::atoi(hostport.c_str() + colon + 1);
  }
  return !host.empty() && port > 0;
}

double pct(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = size_t(std::max(1.0, std::ceil(p / 100.0 * double(sorted.size()))));
  return double(sorted[std::min(rank, sorted.size()) - 1]) / 1000.0;
}

// CPU time this process used (user + system), so that bench/run can tell
// its own load from other processes'.
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string url, body_file, alt_body_file, alt_url;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--mode") {
      std::string m = val();
      if (m == "latency") o.mode = Mode::Latency;
      else if (m == "ttfb") o.mode = Mode::Ttfb;
      else if (m == "throughput") o.mode = Mode::Throughput;
      else usage("unknown --mode");
    } else if (a == "--url") url = val();
    else if (a == "--body-file") body_file = val();
    else if (a == "--alt-body-file") alt_body_file = val();
    else if (a == "--alt-url") alt_url = val();
    else if (a == "--alt-header") o.alt_headers.push_back(val());
    else if (a == "--concurrency" || a == "-c") o.concurrency = std::atoi(val().c_str());
    else if (a == "--requests" || a == "-n") o.requests = std::atol(val().c_str());
    else if (a == "--duration" || a == "-d") o.duration = std::atof(val().c_str());
    else if (a == "--warmup") o.warmup = std::atol(val().c_str());
    else if (a == "--header" || a == "-H") o.headers.push_back(val());
    else if (a == "--expect") o.expect = val();
    else if (a == "--vary") o.vary = val();
    else if (a == "--timeout") o.timeout = std::atof(val().c_str());
    else if (a == "--first-event") {
      std::string e = val();
      if (e == "openai") o.first_event = FirstEvent::OpenAI;
      else if (e == "anthropic") o.first_event = FirstEvent::Anthropic;
      else if (e == "responses")
        o.first_event = FirstEvent::Responses;
      else
        usage("unknown --first-event (openai, anthropic or responses)");
    }
    else usage(("unknown option " + a).c_str());
  }
  if (url.empty() || !parse_url(url, o.host, o.port, o.path)) usage("--url http://HOST:PORT/PATH is required");
  if (!alt_url.empty()) {
    if (!parse_url(alt_url, o.alt_host, o.alt_port, o.alt_path)) usage("--alt-url must be http://HOST:PORT/PATH");
    o.alt_url = true;
  } else if (!o.alt_headers.empty()) {
    usage("--alt-header needs --alt-url");
  }
  if (body_file.empty()) usage("--body-file is required");
  std::ifstream f(body_file, std::ios::binary);
  if (!f) usage("cannot read --body-file");
  o.body.assign(std::istreambuf_iterator<char>(f), {});
  if (!alt_body_file.empty()) {
    std::ifstream alt(alt_body_file, std::ios::binary);
    if (!alt) usage("cannot read --alt-body-file");
    o.alt_body.assign(std::istreambuf_iterator<char>(alt), {});
    if (o.alt_body.empty()) usage("--alt-body-file is empty");
  }
  if (o.concurrency < 1) usage("--concurrency must be >= 1");
  if (o.alt_url && o.concurrency != 1) usage("--alt-url needs --concurrency 1 (one request at a time, alternating)");
  if (o.requests <= 0 && o.duration <= 0) usage("give --requests N or --duration S");
  signal(SIGPIPE, SIG_IGN);

  const char* mode_name = o.mode == Mode::Latency ? "latency" : o.mode == Mode::Ttfb ? "ttfb" : "throughput";
  Loadgen lg(o);
  if (o.warmup > 0) lg.phase(o.warmup, 0, false);
  int64_t t0 = now_ns();
  lg.phase(o.requests, o.duration > 0 ? t0 + int64_t(o.duration * 1e9) : 0, true);
  double secs = double(now_ns() - t0) / 1e9;

  const Stats& s = lg.stats();
  std::vector<int64_t> v = s.samples;
  std::sort(v.begin(), v.end());
  double mean = 0;
  for (auto x : v) mean += double(x);
  mean = v.empty() ? 0 : mean / double(v.size()) / 1000.0;
  // The alternate body's or URL's samples, when there are any: fields appended to the object.
  std::string alt_fields;
  if (!o.alt_body.empty() || o.alt_url) {
    std::vector<int64_t> a = s.alt_samples;
    std::sort(a.begin(), a.end());
    double alt_mean = 0;
    for (auto x : a) alt_mean += double(x);
    alt_mean = a.empty() ? 0 : alt_mean / double(a.size()) / 1000.0;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  ",\"alt_count\":%zu,\"alt_p50_us\":%.1f,\"alt_p90_us\":%.1f,\"alt_p99_us\":%.1f,\"alt_mean_us\":%.1f",
                  a.size(), pct(a, 50), pct(a, 90), pct(a, 99), alt_mean);
    alt_fields = buf;
  }
  std::printf(
      "{\"mode\":\"%s\",\"first_event\":\"%s\",\"concurrency\":%d,\"count\":%zu,\"answers\":%ld,\"errors\":%ld,"
      "\"non2xx\":%ld,\"transport_errors\":%ld,\"timeouts\":%ld,\"expect_failures\":%ld,\"no_content\":%ld,"
      "\"seconds\":%.3f,\"rps\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"mean_us\":%.1f,"
      "\"min_us\":%.1f,\"max_us\":%.1f,\"cpu_s\":%.3f%s}\n",
      mode_name, first_event_name(o.first_event), o.concurrency, v.size(), s.answers, s.errors, s.non2xx,
      s.transport_errors, s.timeouts, s.expect_failures, s.no_content, secs, secs > 0 ? double(v.size()) / secs : 0.0,
      pct(v, 50), pct(v, 90), pct(v, 99), mean, v.empty() ? 0.0 : double(v.front()) / 1000.0,
      v.empty() ? 0.0 : double(v.back()) / 1000.0, cpu_seconds(), alt_fields.c_str());
  return s.errors > 0 ? 1 : 0;
}
