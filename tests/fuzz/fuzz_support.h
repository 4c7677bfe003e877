// What the fuzz targets share: a check that stops the run with a message (a property broken is
// a finding, like a crash), a reader that splits the fuzzer's bytes into choices and the rest,
// and a scratch directory per process for the targets that read files.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

namespace coupond::fuzz {

// Aborts (which libFuzzer reports as a crash, saving the input) when a property does not hold.
#define FUZZ_REQUIRE(condition)                                                            \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)

// The fuzzer's bytes, taken from the front: fixed-size choices first, the rest as the input.
class FuzzBytes {
 public:
  FuzzBytes(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  // The next byte, or 0 once none is left.
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto value = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return value;
  }
  template <typename Integer>
  Integer integer() {
    Integer value{};
    const std::size_t size = std::min(sizeof(value), rest_.size());
    std::memcpy(&value, rest_.data(), size);
    rest_.remove_prefix(size);
    return value;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// A directory of this process's own under the temporary directory, removed at exit; each fuzz
// run makes many files in it and removes them itself.
inline const std::filesystem::path& scratch_directory() {
  static const std::filesystem::path path = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "coupond-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    static const std::string removed_at_exit = pattern;
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(removed_at_exit, ignored);
    });
    return std::filesystem::path(pattern);
  }();
  return path;
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) std::abort();
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size()) std::abort();
  std::fclose(file);
}

// A key file with fixed keys, so that the codes the seeds were made with resolve in the targets
// too (a code's table key is an HMAC under these keys). Test keys, never a server's.
inline void write_fixed_key_file(const std::filesystem::path& path) {
  write_file(path,
             "lookup 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
             "sign 1 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n");
}

// Imported codes the seeds load, which the targets look up.
inline constexpr std::string_view seed_imported_codes[] = {"PARTNER-0001", "PARTNER-0002"};

}  // namespace coupond::fuzz
