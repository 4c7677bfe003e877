// HMAC-SHA256 with the key's inner and outer SHA-256 states computed once.
//
// OpenSSL 3.0 offers no allocation-free way to clone a keyed digest: EVP_MD_CTX_copy_ex and
// EVP_MAC_CTX_dup both duplicate the provider context with malloc, and HMAC() re-derives the key
// pads on every call (about ten times the cost). The low-level SHA256_CTX is a plain struct that
// can be copied, so this one file uses the SHA256_* functions, which OpenSSL 3 marks deprecated
// but still ships; HMAC is then two compressions per call, with no allocation and no lock.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "codes/signer.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace coupond::codes {
namespace {

using Key = std::array<std::uint8_t, key_bytes>;

// A keyed HMAC-SHA256: the states after absorbing key^ipad and key^opad.
struct KeyedHmac {
  SHA256_CTX inner;
  SHA256_CTX outer;

  void set_key(const std::uint8_t* key, std::size_t size) {
    std::uint8_t pad[SHA256_CBLOCK];
    std::memset(pad, 0x36, sizeof(pad));
    for (std::size_t i = 0; i < size; ++i) pad[i] ^= key[i];
    SHA256_Init(&inner);
    SHA256_Update(&inner, pad, sizeof(pad));
    std::memset(pad, 0x5c, sizeof(pad));
    for (std::size_t i = 0; i < size; ++i) pad[i] ^= key[i];
    SHA256_Init(&outer);
    SHA256_Update(&outer, pad, sizeof(pad));
    OPENSSL_cleanse(pad, sizeof(pad));
  }

  void mac(const void* data, std::size_t size, std::uint8_t digest[SHA256_DIGEST_LENGTH]) const {
    SHA256_CTX context = inner;
    SHA256_Update(&context, data, size);
    SHA256_Final(digest, &context);
    context = outer;
    SHA256_Update(&context, digest, SHA256_DIGEST_LENGTH);
    SHA256_Final(digest, &context);
    // The stack copy is not cleansed: it holds no more than the keyed states this object keeps
    // for its whole life anyway, and cleansing would add a fifth to the cost of every call.
  }
};

std::uint64_t read_big_endian(const std::uint8_t* bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
  return value;
}

void write_big_endian(std::uint64_t value, std::uint8_t* bytes) {
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<std::uint8_t>(value);
    value >>= 8;
  }
}

// Domain separation: a customer id never hashes like an imported code's text.
constexpr std::uint8_t customer_domain = 0x01;  // never in a normalized code, which is alphanumeric

std::string to_hex(const Key& key) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  for (std::uint8_t byte : key) {
    text.push_back(digits[byte >> 4]);
    text.push_back(digits[byte & 15]);
  }
  return text;
}

bool from_hex(std::string_view text, Key* key) {
  if (text.size() != 2 * key_bytes) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < key_bytes; ++i) {
    const int high = nibble(text[2 * i]);
    const int low = nibble(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    (*key)[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return true;
}

}  // namespace

struct Signer::Impl {
  KeyedHmac lookup;
  std::array<KeyedHmac, keys_max> sign;
  std::uint32_t key_mask = 0;  // bit i: key id i is present
  std::uint32_t signing_id = 0;

  void set_keys(const Key& lookup_key, const std::array<Key, keys_max>& sign_keys,
                std::uint32_t mask) {
    lookup.set_key(lookup_key.data(), lookup_key.size());
    key_mask = mask;
    for (std::uint32_t id = 0; id < keys_max; ++id) {
      if ((mask >> id & 1) != 0) {
        sign[id].set_key(sign_keys[id].data(), sign_keys[id].size());
        signing_id = id;
      }
    }
  }
};

Signer::Signer() : impl_(std::make_unique<Impl>()) {}
Signer::~Signer() = default;

namespace {

Status create_key_file(const std::filesystem::path& path) {
  Key lookup{};
  Key sign{};
  if (RAND_bytes(lookup.data(), lookup.size()) != 1 || RAND_bytes(sign.data(), sign.size()) != 1) {
    return Status::io_error("cannot draw random key material for " + path.string());
  }
  const std::string text =
      "# coupond keys: keep secret. 'lookup' keys imported codes and never changes;\n"
      "# the highest 'sign' id signs new codes, every listed id verifies.\n"
      "lookup " + to_hex(lookup) + "\nsign 1 " + to_hex(sign) + "\n";
  OPENSSL_cleanse(lookup.data(), lookup.size());
  OPENSSL_cleanse(sign.data(), sign.size());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::io_error("cannot create " + path.string() + ": " + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced) {
    return Status::io_error("cannot write " + path.string() + ": " + std::strerror(errno));
  }
  return Status::ok();
}

Status parse_key_line(const std::string& path, int number, const std::string& line, Key* lookup,
                      bool* has_lookup, std::array<Key, keys_max>* sign, std::uint32_t* mask) {
  std::istringstream words(line);
  std::string kind;
  if (!(words >> kind) || kind[0] == '#') return Status::ok();
  const std::string where = path + " line " + std::to_string(number) + ": ";
  std::string hex;
  std::string extra;
  if (kind == "lookup") {
    if (!(words >> hex) || (words >> extra)) return Status::corruption(where + "expected 'lookup <64 hex digits>'");
    if (*has_lookup) return Status::corruption(where + "a second lookup key");
    if (!from_hex(hex, lookup)) return Status::corruption(where + "the key is not 64 hex digits");
    *has_lookup = true;
    return Status::ok();
  }
  if (kind == "sign") {
    long id = -1;
    if (!(words >> id >> hex) || (words >> extra)) {
      return Status::corruption(where + "expected 'sign <id> <64 hex digits>'");
    }
    if (id < 0 || id >= static_cast<long>(keys_max)) {
      return Status::corruption(where + "key ids run from 0 to " + std::to_string(keys_max - 1));
    }
    if ((*mask >> id & 1) != 0) return Status::corruption(where + "key id " + std::to_string(id) + " appears twice");
    if (!from_hex(hex, &(*sign)[static_cast<std::size_t>(id)])) {
      return Status::corruption(where + "the key is not 64 hex digits");
    }
    *mask |= 1u << id;
    return Status::ok();
  }
  return Status::corruption(where + "unknown entry (expected 'lookup' or 'sign')");
}

}  // namespace

Status Signer::open(const std::filesystem::path& path, bool create_if_missing,
                    std::unique_ptr<Signer>* out) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    if (!create_if_missing) return Status::not_found("no key file at " + path.string());
    Status status = create_key_file(path);
    if (!status.is_ok()) return status;
  }
  std::ifstream file(path);
  if (!file) return Status::io_error("cannot read " + path.string());
  Key lookup{};
  bool has_lookup = false;
  std::array<Key, keys_max> sign{};
  std::uint32_t mask = 0;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    Status status = parse_key_line(path.string(), number, line, &lookup, &has_lookup, &sign, &mask);
    if (!status.is_ok()) return status;
  }
  if (!has_lookup) return Status::corruption(path.string() + ": no lookup key");
  if (mask == 0) return Status::corruption(path.string() + ": no sign key");
  auto signer = std::unique_ptr<Signer>(new Signer());
  signer->impl_->set_keys(lookup, sign, mask);
  OPENSSL_cleanse(lookup.data(), lookup.size());
  OPENSSL_cleanse(sign.data(), sizeof(sign));
  *out = std::move(signer);
  return Status::ok();
}

std::unique_ptr<Signer> Signer::from_keys(const std::array<std::uint8_t, key_bytes>& lookup_key,
                                          const std::array<std::array<std::uint8_t, key_bytes>, keys_max>& sign_keys,
                                          std::uint32_t sign_key_mask) {
  auto signer = std::unique_ptr<Signer>(new Signer());
  signer->impl_->set_keys(lookup_key, sign_keys, sign_key_mask);
  return signer;
}

std::uint32_t Signer::signing_key_id() const { return impl_->signing_id; }

bool Signer::has_key(std::uint32_t key_id) const {
  return key_id < keys_max && (impl_->key_mask >> key_id & 1) != 0;
}

std::uint64_t Signer::tag(std::uint32_t key_id, std::uint64_t packed_header,
                          std::uint32_t tag_bits) const {
  std::uint8_t message[8];
  write_big_endian(packed_header, message);
  std::uint8_t digest[SHA256_DIGEST_LENGTH];
  impl_->sign[key_id].mac(message, sizeof(message), digest);
  return read_big_endian(digest) >> (64 - tag_bits);
}

bool Signer::verify(std::uint64_t packed_header, std::uint32_t key_id, std::uint64_t tag,
                    std::uint32_t tag_bits) const {
  if (!has_key(key_id)) return false;
  const std::uint64_t expected = this->tag(key_id, packed_header, tag_bits);
  return CRYPTO_memcmp(&expected, &tag, sizeof(tag)) == 0;
}

Hash128 Signer::lookup_hash(std::string_view text) const {
  std::uint8_t digest[SHA256_DIGEST_LENGTH];
  impl_->lookup.mac(text.data(), text.size(), digest);
  return {read_big_endian(digest), read_big_endian(digest + 8)};
}

std::uint64_t Signer::customer_hash(std::string_view customer) const {
  // The domain byte goes first, so the message differs from any imported code's text.
  std::uint8_t message[1 + customer_length_max];
  const std::size_t size = std::min(customer.size(), customer_length_max);
  message[0] = customer_domain;
  std::memcpy(message + 1, customer.data(), size);
  std::uint8_t digest[SHA256_DIGEST_LENGTH];
  impl_->lookup.mac(message, 1 + size, digest);
  const std::uint64_t hash = read_big_endian(digest);
  return hash == 0 ? 1 : hash;
}

}  // namespace coupond::codes
