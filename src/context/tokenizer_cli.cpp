#include "context/tokenizer_cli.hpp"

#include <sodium.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <istream>
#include <ostream>
#include <string>

#include "context/tokenizer.hpp"

namespace aisbf::context {
namespace {

// A line is one text for a test or a script; this bounds what one line may
// make us allocate (a 48 MiB text as base64).
constexpr std::size_t kMaxLine = 64u << 20;

bool decode_base64(std::string_view b64, std::string& bytes) {
  bytes.resize(b64.size() / 4 * 3 + 3);
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), b64.data(), b64.size(), nullptr,
                        &length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  bytes.resize(length);
  return true;
}

// The text of one input line, or an error message for it.
std::string read_line(std::string_view line, std::string& bytes) {
  if (line.size() > kMaxLine) return "line longer than 64 MiB";
  boost::system::error_code ec;
  auto value = boost::json::parse(line, ec);
  const auto* b64 = ec || !value.is_object() ? nullptr : value.get_object().if_contains("b64");
  if (b64 == nullptr || !b64->is_string()) return "expected a JSON object {\"b64\": \"<base64 bytes>\"}";
  if (!decode_base64(b64->get_string(), bytes)) return "\"b64\" is not standard base64";
  return {};
}

void write_ids(const std::vector<TokenId>& ids, std::string& buffer, std::ostream& out) {
  buffer.assign("{\"ids\":[");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) buffer.push_back(',');
    buffer.append(std::to_string(ids[i]));
  }
  buffer.append("]}\n");
  out << buffer;
}

}  // namespace

int run_tokenize(std::string_view encoding_text, std::istream& in, std::ostream& out, std::ostream& err) {
  auto encoding = encoding_from_name(encoding_text);
  if (!encoding) {
    err << "aisbf tokenize: unknown encoding '" << encoding_text << "' (cl100k_base or o200k_base)\n";
    return 2;
  }
  auto tokenizer = tokenizer_for(*encoding);
  if (!tokenizer) {
    err << "aisbf tokenize: " << tokenizer.error().message << "\n";
    return 2;
  }
  // Megabyte lines: the C stdio sync reads them a character at a time.
  std::ios::sync_with_stdio(false);
  int status = 0;
  std::string line, bytes, buffer;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (auto problem = read_line(line, bytes); !problem.empty()) {
      buffer.assign("{\"error\":").append(boost::json::serialize(boost::json::string(problem))).append("}\n");
      out << buffer;
      status = 1;
      continue;
    }
    write_ids((*tokenizer)->encode(bytes), buffer, out);
  }
  out.flush();
  return status;
}

}  // namespace aisbf::context
