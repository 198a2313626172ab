// Autoselect's content scan off the event loop (issue 11): the privacy
// detector and the NSFW word list over a request's classification text.
// The detector reads about 150 MB/s (0.2 s for 32 MiB), so a text past
// kPoolCountBytes is scanned on the CountPool, as large counts and splits
// are, and awaited; a smaller one (or one the pool has no room for) is
// scanned where it is. Either way the verdict is the same.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "pipeline/request_context.hpp"
#include "routing/content_class.hpp"
#include "routing/rotation.hpp"

namespace aisbf {

struct ContentScanAsk {
  bool privacy = false;  // find personal and secret data
  bool nsfw = false;     // match the NSFW word list
};

struct ContentScan {
  std::vector<routing::PrivateDataKind> private_data;  // the kinds found, in the order first found
  bool nsfw_words = false;                             // the word list matched
};

// `text`: routing::classification_text of the request. `routes`: the
// snapshot whose word list is read (held by the pool's work while it runs).
boost::asio::awaitable<ContentScan> scan_content(RequestContext& ctx,
                                                 std::shared_ptr<const routing::RoutingTable> routes, std::string text,
                                                 ContentScanAsk ask);

// Scans made on the CountPool so far: a counter, as metrics are, that
// tests read.
std::uint64_t pooled_content_scans();

}  // namespace aisbf
