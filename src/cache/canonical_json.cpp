// canonical_request (cache_key.hpp): the canonical form of a request body
// read straight from its bytes, without a DOM.
//
// Why not a DOM: on a miss the key is pure overhead, and building
// Boost.JSON's tree (every string copied and unescaped, every number
// converted) then serialising it again cost about 8k instructions for a
// 120-byte request, more than the rest of the key. This reader keeps a flat
// list of nodes that point into the body; only what needs rewriting (a
// string with escapes, a number that is not a plain integer) is written to
// a scratch buffer. The output is byte for byte what the tree gave (the
// unit test checks it against one), so the keys did not change.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "cache/cache_key.hpp"
#include "core/json_scan.hpp"

namespace aisbf::cache {

namespace {

namespace json = boost::json;

// Boost.JSON's default depth limit: deeper requests were never cached.
constexpr std::uint32_t kMaxDepth = 32;
constexpr std::size_t kMaxBody = std::size_t{512} * 1024 * 1024;

constexpr std::string_view kIgnored[] = {"model", "stream", "stream_options", "user", "metadata", "store"};

bool ignored(std::string_view key) { return std::find(std::begin(kIgnored), std::end(kIgnored), key) != std::end(kIgnored); }

enum class Kind : std::uint8_t { object, array, string, number, literal };

// Text of a node: a span of the body, or of the scratch buffer (a string
// unescaped, a number respelled).
struct Span {
  std::uint32_t begin = 0, size = 0;
  bool scratch = false;
};

struct Node {
  Kind kind = Kind::literal;
  Span text;  // a string's characters (unescaped), a number's or a literal's spelling
  Span key;   // the member's key (unescaped), when the node is a member's value
  std::uint32_t first_kid = 0, kids = 0;  // a container's children: Buffers::kids[first_kid, +kids)
};

// Reused by every request of the thread: a request costs no allocation
// once they have grown to its size.
struct Buffers {
  std::vector<Node> nodes;
  std::vector<std::uint32_t> kids;     // children of each container, contiguous per container
  std::vector<std::uint32_t> pending;  // children of the containers being read
  std::string scratch;

  void clear() {
    // One huge body must not keep its buffers for the thread's life.
    constexpr std::size_t kKeepBytes = 256 * 1024;
    if (nodes.capacity() * sizeof(Node) > kKeepBytes) std::vector<Node>().swap(nodes);
    if (kids.capacity() * sizeof(std::uint32_t) > kKeepBytes) std::vector<std::uint32_t>().swap(kids);
    if (pending.capacity() * sizeof(std::uint32_t) > kKeepBytes) std::vector<std::uint32_t>().swap(pending);
    if (scratch.capacity() > kKeepBytes) std::string().swap(scratch);
    nodes.clear();
    kids.clear();
    pending.clear();
    scratch.clear();
  }
};

// The bytes a string's plain run stops at: the closing quote, an escape,
// a control character (invalid there), a byte of a multi-byte character.
constexpr auto kStops = [] {
  std::array<bool, 256> stops{};
  for (int c = 0; c < 0x20; ++c) stops[c] = true;
  for (int c = 0x80; c < 0x100; ++c) stops[c] = true;
  stops['"'] = stops['\\'] = true;
  return stops;
}();

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A number as the tree wrote it: an integral value as an integer (1 and
// 1.0 mean the same), any other as Boost.JSON serialises its double.
void write_number(double d, std::string& out) {
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.0e15) {
    fmt::format_to(std::back_inserter(out), "{}", static_cast<std::int64_t>(d));
  } else {
    out += json::serialize(json::value(d));
  }
}

class Reader {
 public:
  Reader(std::string_view body, Buffers& buffers) : in_(body), b_(buffers) {}

  // The root object (node 0), the whole body read; false: not a JSON
  // object, or deeper than kMaxDepth.
  bool read_root() {
    skip_space();
    if (at_ >= in_.size() || in_[at_] != '{') return false;
    std::uint32_t root = 0;
    if (!value(0, root)) return false;
    skip_space();
    return at_ == in_.size();
  }

  std::string_view text(Span s) const {
    return s.scratch ? std::string_view(b_.scratch).substr(s.begin, s.size) : in_.substr(s.begin, s.size);
  }

 private:
  void skip_space() {
    while (at_ < in_.size() && is_space(in_[at_])) ++at_;
  }

  bool value(std::uint32_t depth, std::uint32_t& id) {
    skip_space();
    if (at_ >= in_.size()) return false;
    id = static_cast<std::uint32_t>(b_.nodes.size());
    b_.nodes.emplace_back();
    const char c = in_[at_];
    if (c == '{' || c == '[') {
      if (depth >= kMaxDepth) return false;
      return c == '{' ? object(depth, id) : array(depth, id);
    }
    if (c == '"') {
      b_.nodes[id].kind = Kind::string;
      return string(b_.nodes[id].text);
    }
    if (c == '-' || is_digit(c)) {
      b_.nodes[id].kind = Kind::number;
      return number(b_.nodes[id].text);
    }
    b_.nodes[id].kind = Kind::literal;
    for (std::string_view word : {"true", "false", "null"}) {
      if (in_.substr(at_, word.size()) == word) {
        b_.nodes[id].text = {static_cast<std::uint32_t>(at_), static_cast<std::uint32_t>(word.size()), false};
        at_ += word.size();
        return true;
      }
    }
    return false;
  }

  // The children read since `mark` become the container's.
  void adopt(std::uint32_t id, std::size_t mark) {
    Node& node = b_.nodes[id];
    node.first_kid = static_cast<std::uint32_t>(b_.kids.size());
    node.kids = static_cast<std::uint32_t>(b_.pending.size() - mark);
    b_.kids.insert(b_.kids.end(), b_.pending.begin() + static_cast<std::ptrdiff_t>(mark), b_.pending.end());
    b_.pending.resize(mark);
  }

  // A container's children, one `child()` each until `close`; they become
  // the container's. Each child() reads one child and leaves it in pending.
  template <class Child>
  bool container(std::uint32_t id, Kind kind, char close, Child child) {
    b_.nodes[id].kind = kind;
    ++at_;  // '{' or '['
    const std::size_t mark = b_.pending.size();
    skip_space();
    bool more = at_ >= in_.size() || in_[at_] != close;
    if (!more) ++at_;
    while (more) {
      if (!child()) return false;
      skip_space();
      if (at_ >= in_.size() || (in_[at_] != ',' && in_[at_] != close)) return false;
      more = in_[at_++] == ',';
    }
    adopt(id, mark);
    return true;
  }

  bool object(std::uint32_t depth, std::uint32_t id) {
    return container(id, Kind::object, '}', [&] {
      skip_space();
      if (at_ >= in_.size() || in_[at_] != '"') return false;
      Span key;
      if (!string(key)) return false;
      skip_space();
      if (at_ >= in_.size() || in_[at_] != ':') return false;
      ++at_;
      std::uint32_t kid = 0;
      if (!value(depth + 1, kid)) return false;
      b_.nodes[kid].key = key;
      b_.pending.push_back(kid);
      return true;
    });
  }

  bool array(std::uint32_t depth, std::uint32_t id) {
    return container(id, Kind::array, ']', [&] {
      std::uint32_t kid = 0;
      if (!value(depth + 1, kid)) return false;
      b_.pending.push_back(kid);
      return true;
    });
  }

  // A string literal at at_: its characters. Without escapes they are the
  // body's own bytes; with any, the unescaped text goes to the scratch.
  bool string(Span& out) {
    const std::size_t begin = ++at_;
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data());
    const auto* end = p + in_.size();
    const auto* c = p + at_;
    for (;;) {
      // Plain characters in a tight loop; the table stops on the rest.
      while (c < end && !kStops[*c]) ++c;
      at_ = static_cast<std::size_t>(c - p);
      if (c == end) return false;
      if (*c == '"') {
        out = {static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(at_ - begin), false};
        ++at_;
        return true;
      }
      if (*c == '\\') return unescape(begin, out);
      if (*c < 0x20) return false;
      char32_t cp = 0;
      const std::size_t n = json_scan::utf8_sequence(c, end, cp);
      if (n == 0) return false;
      c += n;
    }
  }

  // The rest of a string with escapes, from its start, into the scratch.
  bool unescape(std::size_t begin, Span& out) {
    std::string& s = b_.scratch;
    const std::size_t from = s.size();
    s.append(in_.data() + begin, at_ - begin);
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data());
    const auto* end = p + in_.size();
    while (at_ < in_.size()) {
      const unsigned char c = p[at_];
      if (c == '"') {
        out = {static_cast<std::uint32_t>(from), static_cast<std::uint32_t>(s.size() - from), true};
        ++at_;
        return true;
      }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        char32_t cp = 0;
        const std::size_t n = json_scan::utf8_sequence(p + at_, end, cp);
        if (n == 0) return false;
        s.append(in_.data() + at_, n);
        at_ += n;
        continue;
      }
      if (c != '\\') {
        s += static_cast<char>(c);
        ++at_;
        continue;
      }
      if (++at_ >= in_.size()) return false;
      switch (in_[at_++]) {
        case '"': s += '"'; break;
        case '\\': s += '\\'; break;
        case '/': s += '/'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        case 'u': {
          char32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // Only as the first of a pair: a lone one stands for no character.
            char32_t low = 0;
            if (in_.substr(at_, 2) != "\\u") return false;
            at_ += 2;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(s, cp);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  bool hex4(char32_t& cp) {
    if (in_.size() - at_ < 4) return false;
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      const int v = hex_value(in_[at_ + i]);
      if (v < 0) return false;
      cp = (cp << 4) | static_cast<char32_t>(v);
    }
    at_ += 4;
    return true;
  }

  // RFC 8259's number. A plain integer of up to 18 digits is spelled as
  // the tree spelled it already; any other (a fraction, an exponent, -0,
  // 19 digits or more) is respelled from the value Boost.JSON reads, so
  // that the spelling is the tree's to the last digit; but an integer
  // beyond 64 bits stays as written (the tree rounded it to a double).
  bool number(Span& out) {
    const std::size_t begin = at_;
    if (in_[at_] == '-') ++at_;
    if (at_ >= in_.size() || !is_digit(in_[at_])) return false;
    if (in_[at_] == '0') {
      ++at_;
    } else {
      while (at_ < in_.size() && is_digit(in_[at_])) ++at_;
    }
    bool plain = true;
    if (at_ < in_.size() && in_[at_] == '.') {
      plain = false;
      ++at_;
      if (at_ >= in_.size() || !is_digit(in_[at_])) return false;
      while (at_ < in_.size() && is_digit(in_[at_])) ++at_;
    }
    if (at_ < in_.size() && (in_[at_] == 'e' || in_[at_] == 'E')) {
      plain = false;
      ++at_;
      if (at_ < in_.size() && (in_[at_] == '+' || in_[at_] == '-')) ++at_;
      if (at_ >= in_.size() || !is_digit(in_[at_])) return false;
      while (at_ < in_.size() && is_digit(in_[at_])) ++at_;
    }
    const std::string_view token = in_.substr(begin, at_ - begin);
    const std::size_t digits = token.size() - (token.front() == '-' ? 1 : 0);
    if (plain && digits <= 18 && token != "-0") {
      out = {static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(token.size()), false};
      return true;
    }
    return respell(token, plain, out);
  }

  bool respell(std::string_view token, bool plain, Span& out) {
    unsigned char buffer[256];
    json::monotonic_resource arena(buffer, sizeof buffer);
    json::error_code ec;
    const json::value v = json::parse(json::string_view(token.data(), token.size()), ec, &arena);
    if (ec) return false;
    std::string& s = b_.scratch;
    const std::size_t from = s.size();
    if (v.is_int64()) {
      fmt::format_to(std::back_inserter(s), "{}", v.get_int64());
    } else if (v.is_uint64()) {
      fmt::format_to(std::back_inserter(s), "{}", v.get_uint64());
    } else if (plain) {
      // An integer beyond 64 bits as written: as a double, two of them
      // (99999999999999999999 and 1e20) would be one.
      s += token;
    } else {
      write_number(v.get_double(), s);
    }
    out = {static_cast<std::uint32_t>(from), static_cast<std::uint32_t>(s.size() - from), true};
    return true;
  }

  std::string_view in_;
  std::size_t at_ = 0;
  Buffers& b_;
};

// A string as Boost.JSON serialises it: '"', '\\' and control characters
// escaped, nothing else (json_scan's encoding, for the valid UTF-8 the
// reader kept). Characters read without escapes need none.
void write_string(const Reader& r, Span s, std::string& out) {
  const std::string_view text = r.text(s);
  if (s.scratch) {
    json_scan::append_encoded(out, text);
    return;
  }
  out += '"';
  out += text;
  out += '"';
}

class Writer {
 public:
  Writer(const Reader& reader, Buffers& buffers, std::string& out) : r_(reader), b_(buffers), out_(out) {}

  void value(std::uint32_t id, bool top) {
    const Node& node = b_.nodes[id];
    switch (node.kind) {
      case Kind::object:
        object(node, top);
        break;
      case Kind::array: {
        out_ += '[';
        for (std::uint32_t i = 0; i < node.kids; ++i) {
          if (i > 0) out_ += ',';
          value(b_.kids[node.first_kid + i], false);
        }
        out_ += ']';
        break;
      }
      case Kind::string:
        write_string(r_, node.text, out_);
        break;
      case Kind::number:
      case Kind::literal:
        out_ += r_.text(node.text);
        break;
    }
  }

 private:
  std::string_view key(std::uint32_t id) const { return r_.text(b_.nodes[id].key); }

  // Members sorted by key (stable: of a key given twice, the last counts,
  // as the tree kept it); at the top, those that cannot change the answer
  // are left out.
  void object(const Node& node, bool top) {
    const auto first = b_.kids.begin() + node.first_kid;
    const auto last = first + node.kids;
    auto by_key = [this](std::uint32_t a, std::uint32_t b) { return key(a) < key(b); };
    if (node.kids <= 16) {
      // Insertion sort: stable, and no buffer for the few members of a request's objects.
      for (auto it = first + (node.kids > 0 ? 1 : 0); it < last; ++it) {
        const std::uint32_t moving = *it;
        auto hole = it;
        while (hole > first && by_key(moving, *(hole - 1))) {
          *hole = *(hole - 1);
          --hole;
        }
        *hole = moving;
      }
    } else {
      std::stable_sort(first, last, by_key);
    }
    out_ += '{';
    bool comma = false;
    for (auto it = first; it < last; ++it) {
      const std::string_view name = key(*it);
      if (it + 1 < last && key(*(it + 1)) == name) continue;  // a later value of this key counts
      if (top && ignored(name)) continue;
      if (comma) out_ += ',';
      comma = true;
      write_string(r_, b_.nodes[*it].key, out_);
      out_ += ':';
      value(*it, false);
    }
    out_ += '}';
  }

  const Reader& r_;
  Buffers& b_;
  std::string& out_;
};

// temperature 0 (absent: the providers' default, 1), or a seed: read from
// the root's members, the last of a key given twice.
bool deterministic(const Reader& r, const Buffers& b) {
  const Node& root = b.nodes[0];
  const Node* temperature = nullptr;
  const Node* seed = nullptr;
  for (std::uint32_t i = 0; i < root.kids; ++i) {
    const Node& member = b.nodes[b.kids[root.first_kid + i]];
    const std::string_view name = r.text(member.key);
    if (name == "temperature") temperature = &member;
    if (name == "seed") seed = &member;
  }
  if (seed != nullptr && seed->kind == Kind::number) return true;
  if (temperature == nullptr || temperature->kind != Kind::number) return false;
  const std::string_view t = r.text(temperature->text);
  double value = 1;
  const auto [at, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  return ec == std::errc() && at == t.data() + t.size() && value == 0.0;
}

}  // namespace

std::optional<CanonicalRequest> canonical_request(std::string_view body) {
  // Offsets are 32-bit, and the scratch holds at most 4 bytes per byte of
  // the body (a number respelled: 1e15): past 512 MiB, not cached.
  if (body.size() > kMaxBody) return std::nullopt;
  thread_local Buffers buffers;
  buffers.clear();
  Reader reader(body, buffers);
  if (!reader.read_root()) return std::nullopt;
  CanonicalRequest out;
  out.deterministic = deterministic(reader, buffers);
  out.text.reserve(body.size());
  // The members are sorted in place: the root is read for `deterministic` first.
  Writer(reader, buffers, out.text).value(0, true);
  return out;
}

}  // namespace aisbf::cache
