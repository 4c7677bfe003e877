#include "replication/handshake.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "journal/byte_codec.h"
#include "replication/wire.h"

namespace coupond::replication {
namespace {

using journal::ByteReader;
using journal::ByteWriter;

constexpr std::string_view token_context = "coupond replication token";
constexpr std::string_view key_context = "coupond replication keys";

Digest hmac(std::string_view key, std::string_view context, const Digest& nonce) {
  std::string message(context);
  message.append(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  Digest digest{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
       &size);
  return digest;
}

void write_digest(const Digest& digest, ByteWriter& writer) {
  writer.raw(digest.data(), digest.size());
}

void read_digest(ByteReader& reader, Digest* out) {
  const char* bytes = reader.raw(out->size());
  if (bytes != nullptr) std::memcpy(out->data(), bytes, out->size());
}

}  // namespace

Challenge new_challenge() {
  Challenge challenge;
  challenge.version = protocol_version;
  RAND_bytes(challenge.nonce.data(), static_cast<int>(challenge.nonce.size()));
  return challenge;
}

std::string encode(const Challenge& challenge) {
  std::string body;
  ByteWriter writer(&body);
  writer.integer(challenge.version);
  write_digest(challenge.nonce, writer);
  return body;
}

bool decode(std::string_view body, Challenge* out) {
  ByteReader reader(body);
  out->version = reader.integer<std::uint32_t>();
  read_digest(reader, &out->nonce);
  return reader.ok() && reader.at_end();
}

std::string encode(const Hello& hello) {
  std::string body;
  ByteWriter writer(&body);
  writer.integer(hello.version);
  writer.text(hello.node);
  writer.integer(hello.last_sequence);
  writer.integer(hello.last_identity);
  write_digest(hello.token_proof, writer);
  write_digest(hello.key_proof, writer);
  return body;
}

bool decode(std::string_view body, Hello* out) {
  ByteReader reader(body);
  out->version = reader.integer<std::uint32_t>();
  out->node = std::string(reader.text());
  out->last_sequence = reader.integer<std::uint64_t>();
  out->last_identity = reader.integer<std::uint64_t>();
  read_digest(reader, &out->token_proof);
  read_digest(reader, &out->key_proof);
  return reader.ok() && reader.at_end();
}

std::string encode(const Start& start) {
  std::string body;
  ByteWriter writer(&body);
  writer.integer(static_cast<std::uint8_t>(start.mode));
  writer.integer(start.primary_sequence);
  return body;
}

bool decode(std::string_view body, Start* out) {
  ByteReader reader(body);
  const auto mode = reader.integer<std::uint8_t>();
  out->primary_sequence = reader.integer<std::uint64_t>();
  if (mode != static_cast<std::uint8_t>(StartMode::records) &&
      mode != static_cast<std::uint8_t>(StartMode::base_copy)) {
    return false;
  }
  out->mode = static_cast<StartMode>(mode);
  return reader.ok() && reader.at_end();
}

Digest token_proof(std::string_view admin_token, const Digest& nonce) {
  return hmac(admin_token, token_context, nonce);
}

Status key_proof(const std::filesystem::path& key_file, const Digest& nonce, Digest* out) {
  std::ifstream file(key_file, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  if (!file) return Status::io_error("cannot read the key file " + key_file.string());
  *out = hmac(bytes.str(), key_context, nonce);
  return Status::ok();
}

bool same_digest(const Digest& a, const Digest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool valid_node_name(std::string_view node) {
  if (node.empty() || node.size() > 64) return false;
  for (const char c : node) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

}  // namespace coupond::replication
