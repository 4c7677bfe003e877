#include "server/admin_token.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "journal/durable_file.h"

namespace coupond::server {
namespace {

Status create_token_file(const std::filesystem::path& path) {
  unsigned char random[32];
  if (RAND_bytes(random, sizeof(random)) != 1) return Status::io_error("cannot draw a random token");
  static constexpr char digits[] = "0123456789abcdef";
  std::string token;
  for (unsigned char byte : random) {
    token.push_back(digits[byte >> 4]);
    token.push_back(digits[byte & 15]);
  }
  token.push_back('\n');
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::io_error("cannot create " + path.string() + ": " + std::strerror(errno));
  const bool written = ::write(fd, token.data(), token.size()) == static_cast<ssize_t>(token.size());
  // Synced, name and bytes: after a power cut an empty token file would keep coupond from starting.
  Status synced =
      written ? journal::sync_data(fd, path) : Status::io_error("cannot write " + path.string());
  ::close(fd);
  if (!synced.is_ok()) return synced;
  return journal::sync_parent_directory(path);
}

}  // namespace

Status load_admin_token(const std::filesystem::path& file, const std::filesystem::path& data_dir,
                        std::string* token, std::filesystem::path* path) {
  *path = file.empty() ? data_dir / "admin-token" : file;
  std::error_code error;
  if (file.empty() && !std::filesystem::exists(*path, error)) {
    Status status = create_token_file(*path);
    if (!status.is_ok()) return status;
  }
  std::ifstream input(*path);
  if (!input) return Status::io_error("cannot read the admin token file " + path->string());
  std::stringstream text;
  text << input.rdbuf();
  std::string content = text.str();
  const auto first = content.find_first_not_of(" \t\r\n");
  const auto last = content.find_last_not_of(" \t\r\n");
  if (first == std::string::npos) return Status::invalid_argument(path->string() + " is empty");
  *token = content.substr(first, last - first + 1);
  return Status::ok();
}

}  // namespace coupond::server
