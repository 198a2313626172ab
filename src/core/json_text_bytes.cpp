#include "core/json_text_bytes.hpp"

#include <vector>

namespace aisbf {

std::size_t json_text_bytes(const boost::json::value& root) {
  std::size_t total = 0;
  std::vector<const boost::json::value*> stack{&root};
  while (!stack.empty()) {
    const boost::json::value* v = stack.back();
    stack.pop_back();
    if (const auto* s = v->if_string()) {
      total += s->size();
    } else if (const auto* a = v->if_array()) {
      for (const auto& item : *a) stack.push_back(&item);
    } else if (const auto* o = v->if_object()) {
      for (const auto& member : *o) {
        total += member.key().size();
        stack.push_back(&member.value());
      }
    }
  }
  return total;
}

}  // namespace aisbf
