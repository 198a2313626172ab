#include "routing/private_data.hpp"

#include <array>
#include <initializer_list>

namespace aisbf::routing {

std::string_view private_data_kind_name(PrivateDataKind kind) {
  switch (kind) {
    case PrivateDataKind::email: return "email";
    case PrivateDataKind::phone: return "phone";
    case PrivateDataKind::payment_card: return "payment_card";
    case PrivateDataKind::iban: return "iban";
    case PrivateDataKind::national_id: return "national_id";
    case PrivateDataKind::ip_address: return "ip_address";
    case PrivateDataKind::secret: return "secret";
  }
  return "unknown";
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_alnum(char c) { return is_digit(c) || is_upper(c) || is_lower(c); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
// Key and token alphabets: base64url and the dashes keys are cut with.
bool is_key_char(char c) { return is_alnum(c) || c == '_' || c == '-'; }
bool is_email_local(char c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

using Hit = std::optional<PrivateDataHit>;

class Scanner {
 public:
  explicit Scanner(std::string_view text) : t_(text), n_(text.size()) {}

  // At a word start: the shapes that can begin with its first byte.
  Hit match_at(std::size_t i) const {
    const char c = t_[i];
    if (is_digit(c)) return first_of(i, {&Scanner::ssn, &Scanner::ipv4, &Scanner::card, &Scanner::national_phone,
                                         &Scanner::ipv6});
    if (c == '+') return e164_phone(i);
    if (c == '(') return paren_phone(i);
    if (c == '-') return pem_key(i);
    if (is_upper(c)) return first_of(i, {&Scanner::iban, &Scanner::codice_fiscale, &Scanner::upper_key, &Scanner::ipv6});
    if (is_lower(c)) return first_of(i, {&Scanner::lower_key, &Scanner::jwt, &Scanner::ipv6});
    return std::nullopt;
  }

  // At an '@': the address around it, when it starts at or after `floor`.
  Hit email(std::size_t at, std::size_t floor) const {
    std::size_t from = at;
    while (from > floor && is_email_local(t_[from - 1])) --from;
    while (from < at && t_[from] == '.') ++from;
    if (from == at || at - from > 64 || t_[at - 1] == '.') return std::nullopt;
    std::size_t k = at + 1, end = 0;
    int labels = 0;
    bool alpha_tld = false;
    for (;;) {
      const std::size_t s = k;
      while (k < n_ && (is_alnum(t_[k]) || t_[k] == '-')) ++k;
      if (k == s || t_[s] == '-' || t_[k - 1] == '-') break;
      ++labels;
      end = k;
      alpha_tld = k - s >= 2;
      for (std::size_t j = s; j < k && alpha_tld; ++j) alpha_tld = !is_digit(t_[j]);
      if (k + 1 < n_ && t_[k] == '.' && is_alnum(t_[k + 1])) {
        ++k;
        continue;
      }
      break;
    }
    if (labels < 2 || !alpha_tld) return std::nullopt;
    return PrivateDataHit{PrivateDataKind::email, from, end - from};
  }

 private:
  using Matcher = Hit (Scanner::*)(std::size_t) const;

  Hit first_of(std::size_t i, std::initializer_list<Matcher> matchers) const {
    for (auto m : matchers) {
      if (auto h = (this->*m)(i)) return h;
    }
    return std::nullopt;
  }

  bool ends_word(std::size_t k) const { return k >= n_ || !is_alnum(t_[k]); }
  bool at(std::size_t k, std::string_view s) const { return t_.substr(k, s.size()) == s; }
  std::size_t run(std::size_t k, bool (*in)(char)) const {
    while (k < n_ && in(t_[k])) ++k;
    return k;
  }
  static Hit hit(PrivateDataKind kind, std::size_t from, std::size_t to) { return PrivateDataHit{kind, from, to - from}; }

  // Digit groups joined by single separators from `seps`; false past 8
  // groups or 20 digits (no number this module knows is longer).
  struct Groups {
    std::array<std::uint8_t, 8> len{};
    int count = 0, digits = 0;
    std::size_t end = 0;
    char sep = 0;  // the first separator seen (0: none)
    bool mixed = false;
    std::array<char, 20> d{};
  };
  bool groups(std::size_t k, std::string_view seps, Groups& g) const {
    for (;;) {
      const std::size_t s = k;
      while (k < n_ && is_digit(t_[k])) {
        if (g.digits == 20) return false;
        g.d[static_cast<std::size_t>(g.digits++)] = t_[k++];
      }
      if (k == s || g.count == 8) return false;
      g.len[static_cast<std::size_t>(g.count++)] = static_cast<std::uint8_t>(k - s);
      g.end = k;
      if (k + 1 < n_ && seps.find(t_[k]) != std::string_view::npos && is_digit(t_[k + 1])) {
        if (g.sep != 0 && g.sep != t_[k]) g.mixed = true;
        if (g.sep == 0) g.sep = t_[k];
        ++k;
        continue;
      }
      return ends_word(k) && (k >= n_ || t_[k] != '.' || k + 1 >= n_ || !is_digit(t_[k + 1]));
    }
  }

  Hit ssn(std::size_t i) const {
    Groups g;
    if (!groups(i, "-", g) || g.count != 3 || g.len[0] != 3 || g.len[1] != 2 || g.len[2] != 4) return std::nullopt;
    const std::string_view d(g.d.data(), 9);
    if (d.substr(0, 3) == "000" || d.substr(0, 3) == "666" || d[0] == '9' || d.substr(3, 2) == "00" ||
        d.substr(5) == "0000") {
      return std::nullopt;
    }
    return hit(PrivateDataKind::national_id, i, g.end);
  }

  // Addresses that say nothing of anyone: loopback, "any", link-local
  // (169.254.169.254 is every cloud's metadata service), broadcast and the
  // documentation ranges.
  static bool well_known(const std::array<int, 4>& q) {
    return q[0] == 0 || q[0] == 127 || (q[0] == 169 && q[1] == 254) || (q[0] == 255 && q[1] == 255) ||
           (q[0] == 192 && q[1] == 0 && q[2] == 2) || (q[0] == 198 && q[1] == 51 && q[2] == 100) ||
           (q[0] == 203 && q[1] == 0 && q[2] == 113);
  }

  Hit ipv4(std::size_t i) const {
    std::size_t k = i;
    std::array<int, 4> quad{};
    for (std::size_t part = 0; part < 4; ++part) {
      if (part > 0) {
        if (k >= n_ || t_[k] != '.') return std::nullopt;
        ++k;
      }
      const std::size_t s = k;
      int v = 0;
      while (k < n_ && is_digit(t_[k]) && k - s < 3) v = v * 10 + (t_[k++] - '0');
      if (k == s || v > 255 || (k - s > 1 && t_[s] == '0')) return std::nullopt;
      quad[part] = v;
    }
    if (!ends_word(k) || (k + 1 < n_ && t_[k] == '.' && is_digit(t_[k + 1])) || well_known(quad)) return std::nullopt;
    return hit(PrivateDataKind::ip_address, i, k);
  }

  Hit card(std::size_t i) const {
    Groups g;
    if (!groups(i, " -", g) || g.mixed || g.digits < 13 || g.digits > 19) return std::nullopt;
    for (int k = 0; k + 1 < g.count; ++k) {
      if (g.len[static_cast<std::size_t>(k)] < 4) return std::nullopt;  // 4-4-4-4, Amex 4-6-5, 4-4-4-4-3
    }
    if (g.d[0] < '2' || g.d[0] > '6') return std::nullopt;  // the card networks' ranges
    if (!luhn_valid(std::string_view(g.d.data(), static_cast<std::size_t>(g.digits)))) return std::nullopt;
    return hit(PrivateDataKind::payment_card, i, g.end);
  }

  // 555-123-4567 (NANP), or a national number with a trunk 0 and
  // separators: 020 7946 0958, 06 12 34 56 78, 0612-345678.
  Hit national_phone(std::size_t i) const {
    Groups g;
    if (!groups(i, " -.", g) || g.count < 2) return std::nullopt;
    const bool nanp = g.count == 3 && g.len[0] == 3 && g.len[1] == 3 && g.len[2] == 4 && g.d[0] >= '2' && !g.mixed;
    bool trunk = g.d[0] == '0' && g.digits >= 10 && g.digits <= 11;
    for (int k = 0; k < g.count && trunk; ++k) {
      const auto l = g.len[static_cast<std::size_t>(k)];
      trunk = l >= 2 && l <= 6;
    }
    if (!nanp && !trunk) return std::nullopt;
    return hit(PrivateDataKind::phone, i, g.end);
  }

  // +39 06 1234 5678, +1 (555) 123-4567, +447700900123.
  Hit e164_phone(std::size_t i) const {
    std::size_t k = i + 1;
    int digits = 0;
    if (k >= n_ || t_[k] < '1' || t_[k] > '9') return std::nullopt;
    std::size_t end = k;
    while (k < n_) {
      if (is_digit(t_[k])) {
        if (++digits > 15) return std::nullopt;
        end = ++k;
      } else if ((t_[k] == ' ' || t_[k] == '-' || t_[k] == '.' || t_[k] == '(' || t_[k] == ')') && k + 1 < n_ &&
                 (is_digit(t_[k + 1]) || (t_[k] == ' ' && t_[k + 1] == '(') || (t_[k] == ')' && t_[k + 1] == ' '))) {
        ++k;
      } else {
        break;
      }
    }
    if (digits < 8 || !ends_word(end)) return std::nullopt;
    return hit(PrivateDataKind::phone, i, end);
  }

  // (555) 123-4567
  Hit paren_phone(std::size_t i) const {
    std::size_t k = i + 1;
    if (run(k, is_digit) != k + 3 || k + 3 >= n_ || t_[k + 3] != ')') return std::nullopt;
    k += 4;
    if (k < n_ && t_[k] == ' ') ++k;
    Groups g;
    if (!groups(k, "-. ", g) || g.count != 2 || g.len[0] != 3 || g.len[1] != 4) return std::nullopt;
    return hit(PrivateDataKind::phone, i, g.end);
  }

  // Groups of 1-4 hex digits; eight of them, or fewer around one "::"; at
  // least three written (so that times, MAC addresses and "::" are not).
  Hit ipv6(std::size_t i) const {
    std::size_t k = i;
    int groups = 0, written = 0;
    bool compressed = false;
    std::size_t end = i;
    while (k < n_) {
      const std::size_t s = k;
      while (k < n_ && is_hex(t_[k]) && k - s < 5) ++k;
      if (k - s > 4) return std::nullopt;
      if (k > s) {
        ++groups;
        ++written;
        end = k;
      }
      if (k + 1 < n_ && t_[k] == ':' && t_[k + 1] == ':') {
        if (compressed) return std::nullopt;
        compressed = true;
        k += 2;
        end = k;
      } else if (k + 1 < n_ && t_[k] == ':' && is_hex(t_[k + 1]) && k > s) {
        ++k;
      } else {
        break;
      }
    }
    if (written < 3 || (compressed ? groups > 7 : groups != 8) || !ends_word(end)) return std::nullopt;
    if (end < n_ && t_[end] == ':') return std::nullopt;
    return hit(PrivateDataKind::ip_address, i, end);
  }

  Hit iban(std::size_t i) const {
    if (i + 4 > n_ || !is_upper(t_[i + 1]) || !is_digit(t_[i + 2]) || !is_digit(t_[i + 3])) return std::nullopt;
    // The electronic form, or the printed one in groups of four: the
    // longest prefix that passes the check, so a following word in capitals
    // is not taken in.
    std::array<char, 34> compact{};
    std::size_t len = 0, k = i, best = 0;
    while (k < n_ && len < compact.size()) {
      if (is_upper(t_[k]) || is_digit(t_[k])) {
        compact[len++] = t_[k++];
      } else if (t_[k] == ' ' && len % 4 == 0 && k + 1 < n_ && (is_upper(t_[k + 1]) || is_digit(t_[k + 1]))) {
        ++k;
        continue;
      } else {
        break;
      }
      if (ends_word(k) && iban_valid(std::string_view(compact.data(), len))) best = k;
    }
    if (best == 0) return std::nullopt;
    return hit(PrivateDataKind::iban, i, best);
  }

  Hit codice_fiscale(std::size_t i) const {
    if (i + 16 > n_ || !ends_word(i + 16) || !codice_fiscale_valid(t_.substr(i, 16))) return std::nullopt;
    return hit(PrivateDataKind::national_id, i, i + 16);
  }

  // A prefix, then at least `min` characters of `in`, then a word end.
  Hit keyed(std::size_t i, std::string_view prefix, std::size_t min, bool (*in)(char)) const {
    if (!at(i, prefix)) return std::nullopt;
    const std::size_t body = i + prefix.size(), end = run(body, in);
    if (end - body < min || !ends_word(end)) return std::nullopt;
    return hit(PrivateDataKind::secret, i, end);
  }

  Hit upper_key(std::size_t i) const {
    static constexpr auto upper_digit = [](char c) { return is_upper(c) || is_digit(c); };
    for (std::string_view p : {"AKIA", "ASIA"}) {  // AWS access key ids: 16 more
      if (auto h = keyed(i, p, 16, upper_digit); h && h->length == 20) return h;
    }
    return keyed(i, "AIza", 35, is_key_char);  // Google API keys
  }

  Hit lower_key(std::size_t i) const {
    static constexpr std::array<std::pair<std::string_view, std::size_t>, 12> kPrefixes = {{
        {"sk-", 20},          // OpenAI (sk-proj-…), Anthropic (sk-ant-…), most OpenAI-compatible APIs
        {"sk_live_", 16},     // Stripe
        {"sk_test_", 16},
        {"rk_live_", 16},
        {"ghp_", 30},         // GitHub tokens
        {"gho_", 30},
        {"ghu_", 30},
        {"ghs_", 30},
        {"ghr_", 30},
        {"github_pat_", 22},
        {"xoxb-", 10},        // Slack
        {"xoxp-", 10},
    }};
    for (const auto& [prefix, min] : kPrefixes) {
      if (t_[i] != prefix[0]) continue;
      if (auto h = keyed(i, prefix, min, is_key_char)) return h;
    }
    return std::nullopt;
  }

  // header.payload.signature, base64url, both JSON parts objects ("eyJ").
  Hit jwt(std::size_t i) const {
    if (!at(i, "eyJ")) return std::nullopt;
    static constexpr auto b64 = [](char c) { return is_alnum(c) || c == '_' || c == '-'; };
    std::size_t k = run(i, b64);
    if (k - i < 10 || k >= n_ || t_[k] != '.' || !at(k + 1, "eyJ")) return std::nullopt;
    const std::size_t payload = k + 1;
    k = run(payload, b64);
    if (k - payload < 10 || k >= n_ || t_[k] != '.') return std::nullopt;
    const std::size_t sig = k + 1;
    k = run(sig, b64);
    if (k - sig < 16 || !ends_word(k)) return std::nullopt;
    return hit(PrivateDataKind::secret, i, k);
  }

  // -----BEGIN … PRIVATE KEY----- to its END line (or the header alone
  // when the block is cut).
  Hit pem_key(std::size_t i) const {
    if (!at(i, "-----BEGIN ")) return std::nullopt;
    const std::size_t label = i + 11;
    std::size_t k = label;
    while (k < n_ && (is_upper(t_[k]) || t_[k] == ' ') && k - label < 40) ++k;
    const std::string_view name = t_.substr(label, k - label);
    if (name.size() < 11 || name.substr(name.size() - 11) != "PRIVATE KEY" || !at(k, "-----")) return std::nullopt;
    const std::size_t header_end = k + 5;
    const auto end = t_.find("-----END ", header_end);
    if (end == std::string_view::npos || end - header_end > 64 * 1024) {
      return hit(PrivateDataKind::secret, i, header_end);
    }
    const auto close = t_.find("-----", end + 9);
    return hit(PrivateDataKind::secret, i, close == std::string_view::npos ? end + 9 : close + 5);
  }

  std::string_view t_;
  std::size_t n_;
};

}  // namespace

std::vector<PrivateDataHit> find_private_data(std::string_view text, std::size_t limit) {
  std::vector<PrivateDataHit> hits;
  const Scanner scan(text);
  std::size_t floor = 0;  // the end of the last hit: hits never overlap
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n && hits.size() < limit) {
    const char c = text[i];
    if (c == '@') {
      if (auto h = scan.email(i, floor)) {
        hits.push_back(*h);
        i = floor = h->offset + h->length;
        continue;
      }
      ++i;
      continue;
    }
    // "1.2.3.4.5" and "v2.0.0.1" are one word each: after its first part
    // fails, a part that follows a dot does not start a new one.
    const bool joined = i >= 2 && text[i - 1] == '.' && is_alnum(text[i - 2]);
    const bool word_start = i == 0 || (!is_alnum(text[i - 1]) && !joined);
    if (word_start) {
      if (auto h = scan.match_at(i)) {
        hits.push_back(*h);
        i = floor = h->offset + h->length;
        continue;
      }
    }
    // The rest of this word cannot start a shape.
    const bool in_word = is_alnum(c);
    ++i;
    while (in_word && i < n && is_alnum(text[i])) ++i;
  }
  return hits;
}

std::optional<PrivateDataHit> first_private_data(std::string_view text) {
  auto hits = find_private_data(text, 1);
  if (hits.empty()) return std::nullopt;
  return hits.front();
}

}  // namespace aisbf::routing
