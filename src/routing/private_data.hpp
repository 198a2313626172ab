// The privacy classifier of autoselect (issue 11): personal and secret data
// in a conversation's text, found locally and deterministically. A request
// that holds any is routed only to candidates flagged `privacy: true`.
//
// One pass over the bytes: at each word start the first byte picks the few
// shapes that can begin there, and each shape is confirmed by its own check
// (Luhn for cards, mod 97 for IBANs, the check letter of a codice fiscale,
// the numeric ranges of IPv4, SSN's excluded ranges), so that ordinary
// numbers, versions, dates and times do not count. Addresses that name
// nobody (loopback, link-local, documentation ranges) do not count either.
// A 100 KB conversation costs about 0.7 ms (bench/privacy.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace aisbf::routing {

enum class PrivateDataKind : std::uint8_t {
  email,
  phone,         // E.164 (+ and 8-15 digits) or a national number written with separators
  payment_card,  // 13-19 digits, grouped or not, passing Luhn
  iban,          // passing its mod-97 check
  national_id,   // a US SSN (ddd-dd-dddd outside the unassigned ranges), an Italian codice fiscale
  ip_address,    // IPv4 dotted quad, IPv6 with at least three groups
  secret,        // API keys (sk-, AKIA/ASIA, gh?_, github_pat_, xox?-, AIza), JWTs, PEM private keys
};

std::string_view private_data_kind_name(PrivateDataKind kind);

struct PrivateDataHit {
  PrivateDataKind kind;
  std::size_t offset = 0;  // into the scanned text
  std::size_t length = 0;
};

// Every hit in text order, at most `limit` (the scan stops there).
std::vector<PrivateDataHit> find_private_data(std::string_view text, std::size_t limit = 64);

// The first hit: what routing needs (it stops at the first).
std::optional<PrivateDataHit> first_private_data(std::string_view text);

// The checks, exposed for their tests.
bool luhn_valid(std::string_view digits);
bool iban_valid(std::string_view compact);           // letters and digits only, upper case
bool codice_fiscale_valid(std::string_view sixteen);  // upper case

}  // namespace aisbf::routing
