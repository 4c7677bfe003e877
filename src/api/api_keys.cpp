#include "api/api_keys.h"

#include <openssl/crypto.h>

#include <fstream>
#include <sstream>

namespace coupond::api {

Status ApiKeys::load(const std::filesystem::path& path, ApiKeys* out) {
  std::ifstream file(path);
  if (!file) return Status::io_error("cannot read the API key file " + path.string());
  ApiKeys keys;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    std::istringstream words(line);
    std::string name, key, extra;
    if (!(words >> name) || name[0] == '#') continue;
    const std::string where = path.string() + " line " + std::to_string(number) + ": ";
    if (!(words >> key) || (words >> extra)) {
      return Status::invalid_argument(where + "expected '<name> <key>'");
    }
    if (name.size() > 64) return Status::invalid_argument(where + "names are at most 64 characters");
    if (key.size() < 16) return Status::invalid_argument(where + "keys are at least 16 characters");
    keys.keys_.push_back({name, key});
  }
  if (keys.keys_.empty()) return Status::invalid_argument(path.string() + " holds no key");
  *out = std::move(keys);
  return Status::ok();
}

std::string_view ApiKeys::name_for(std::string_view authorization) const {
  constexpr std::string_view scheme = "Bearer ";
  if (!authorization.starts_with(scheme)) return {};
  const std::string_view given = authorization.substr(scheme.size());
  std::string_view found;
  // Every key is compared, whatever matched first, so the time taken says nothing about which.
  for (const Entry& entry : keys_) {
    const bool same = given.size() == entry.key.size() &&
                      CRYPTO_memcmp(given.data(), entry.key.data(), given.size()) == 0;
    if (same) found = entry.name;
  }
  return found;
}

}  // namespace coupond::api
