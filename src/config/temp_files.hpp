// The temp files aisbf's config writers make beside the file they replace
// (".<name>.tmp-XXXXXX"), and removing those a killed writer left behind.
//
// A writer holds an exclusive flock on its temp file from creation until
// the rename: the lock dies with the process, so a temp file whose lock is
// free belongs to nobody, and one that is locked is a live write (another
// instance sharing the directory) and is left alone.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace aisbf {

// Creates dir/.<name>.tmp-XXXXXX (O_CLOEXEC, mode 0600) and locks it.
// The descriptor, or -1 with errno set; `path` gets the file's name.
int create_locked_temp(const std::filesystem::path& dir, std::string_view name, std::string& path);

// Whether `file_name` is one create_locked_temp makes.
bool is_writer_temp_name(std::string_view file_name);

// Removes the unlocked writer temp files directly in `dir` (not symlinks,
// not other names). The names removed, for the log.
std::vector<std::string> remove_stale_temp_files(const std::filesystem::path& dir);

}  // namespace aisbf
