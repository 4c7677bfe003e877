// Data-plane API keys: when a key file is configured, every data-plane request but /healthz needs
// "Authorization: Bearer <key>", and the key's name is recorded with each use it takes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "coupond/status.h"

namespace coupond::api {

class ApiKeys {
 public:
  // The file holds one key a line, "<name> <key>" ('#' starts a comment); names are 1..64
  // characters, keys at least 16. Malformed lines are refused with their number, never their key.
  static Status load(const std::filesystem::path& path, ApiKeys* out);

  // The name of the key the Authorization header presents, or empty when it presents none of
  // them. Every key is compared in constant time.
  std::string_view name_for(std::string_view authorization) const;
  std::size_t size() const { return keys_.size(); }

 private:
  struct Entry {
    std::string name;
    std::string key;
  };
  std::vector<Entry> keys_;
};

}  // namespace coupond::api
