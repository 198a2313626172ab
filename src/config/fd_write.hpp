// Writing a whole buffer to a file descriptor, for the files aisbf writes
// itself (config files, the first admin's password, the secret key).
#pragma once

#include <string_view>

namespace aisbf {

// Writes all of `text`, retrying short writes and EINTR. False on an error
// (errno says which; a write of 0 bytes sets EIO).
bool write_all(int fd, std::string_view text);

}  // namespace aisbf
