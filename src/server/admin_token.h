// The admin token: read from the operator's file, or created once in the data directory.
#pragma once

#include <filesystem>
#include <string>

#include "coupond/status.h"

namespace coupond::server {

// Reads the token from file (surrounding whitespace ignored; it must not be empty). With an empty
// file path, uses DATA_DIR/admin-token, creating it with mode 0600 and a random 32-byte hex
// token when absent; *path receives the file used.
Status load_admin_token(const std::filesystem::path& file, const std::filesystem::path& data_dir,
                        std::string* token, std::filesystem::path* path);

}  // namespace coupond::server
