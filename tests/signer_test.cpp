// The signer: its fast HMAC equals OpenSSL's one-shot HMAC-SHA256; keys rotate (the newest signs,
// older ones verify); the key file is created private and malformed files are refused with the
// line named and no key material shown.
#include "codes/signer.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <fstream>

#include "test_support.h"

namespace coupond::codes {
namespace {

using Key = std::array<std::uint8_t, key_bytes>;

std::uint64_t one_shot_prefix(const Key& key, const void* data, std::size_t size) {
  std::uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  HMAC(EVP_sha256(), key.data(), key.size(), static_cast<const unsigned char*>(data), size, digest,
       &digest_size);
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | digest[i];
  return value;
}

struct Keys {
  Key lookup{};
  std::array<Key, keys_max> sign{};
  Keys() {
    for (std::size_t i = 0; i < key_bytes; ++i) {
      lookup[i] = static_cast<std::uint8_t>(0xa0 ^ i);
      sign[3][i] = static_cast<std::uint8_t>(i * 17);
      sign[9][i] = static_cast<std::uint8_t>(255 - i);
    }
  }
};

TEST(SignerTest, TagsAreThePrefixOfOneShotHmac) {
  Keys keys;
  const auto signer = Signer::from_keys(keys.lookup, keys.sign, (1u << 3) | (1u << 9));
  EXPECT_EQ(signer->signing_key_id(), 9u);
  EXPECT_TRUE(signer->has_key(3));
  EXPECT_FALSE(signer->has_key(4));
  for (std::uint64_t header : {0ull, 1ull, 0x0123456789abcdeull, (1ull << 60) - 1}) {
    std::uint8_t message[8];
    for (int i = 0; i < 8; ++i) message[i] = static_cast<std::uint8_t>(header >> (56 - 8 * i));
    for (std::uint32_t key_id : {3u, 9u}) {
      const std::uint64_t expected = one_shot_prefix(keys.sign[key_id], message, sizeof(message));
      for (std::uint32_t bits : {35u, 50u, 60u}) {
        const std::uint64_t tag = signer->tag(key_id, header, bits);
        EXPECT_EQ(tag, expected >> (64 - bits));
        EXPECT_TRUE(signer->verify(header, key_id, tag, bits));
        EXPECT_FALSE(signer->verify(header, key_id, tag ^ 1, bits));
        EXPECT_FALSE(signer->verify(header ^ 1, key_id, tag, bits));
      }
    }
  }
  EXPECT_FALSE(signer->verify(0, 4, 0, 50));  // no key 4
}

TEST(SignerTest, LookupHashIsKeyedHmacAndCustomerHashIsSeparate) {
  Keys keys;
  const auto signer = Signer::from_keys(keys.lookup, keys.sign, 1u << 3);
  const std::string text = "SUMMER2026";
  const Hash128 hash = signer->lookup_hash(text);
  EXPECT_EQ(hash.high, one_shot_prefix(keys.lookup, text.data(), text.size()));
  EXPECT_NE(signer->lookup_hash("SUMMER2027"), hash);
  EXPECT_NE(signer->customer_hash(text), hash.high);
  EXPECT_EQ(signer->customer_hash("cust-42"), signer->customer_hash("cust-42"));
  EXPECT_NE(signer->customer_hash("cust-42"), signer->customer_hash("cust-43"));
  EXPECT_NE(signer->customer_hash(""), 0u);
  Keys other;
  other.lookup[0] ^= 1;
  const auto other_signer = Signer::from_keys(other.lookup, other.sign, 1u << 3);
  EXPECT_NE(other_signer->lookup_hash(text), hash);
}

TEST(SignerTest, KeyFileIsCreatedPrivateAndReloadsTheSameKeys) {
  testing::TemporaryDirectory directory;
  const auto path = directory.path() / "keys";
  std::unique_ptr<Signer> first;
  ASSERT_TRUE(Signer::open(path, /*create_if_missing=*/true, &first).is_ok());
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::unique_ptr<Signer> second;
  ASSERT_TRUE(Signer::open(path, false, &second).is_ok());
  EXPECT_EQ(first->signing_key_id(), 1u);
  EXPECT_EQ(first->tag(1, 12345, 50), second->tag(1, 12345, 50));
  EXPECT_EQ(first->lookup_hash("X"), second->lookup_hash("X"));

  std::unique_ptr<Signer> missing;
  EXPECT_EQ(Signer::open(directory.path() / "absent", false, &missing).code(),
            Status::Code::not_found);
}

TEST(SignerTest, RotatedKeysStillVerifyWhileTheNewestSigns) {
  testing::TemporaryDirectory directory;
  const auto path = directory.path() / "keys";
  std::unique_ptr<Signer> before;
  ASSERT_TRUE(Signer::open(path, true, &before).is_ok());
  const std::uint64_t old_tag = before->tag(1, 777, 50);
  {
    std::ofstream file(path, std::ios::app);
    file << "sign 2 " << std::string(64, 'c') << "\n";
  }
  std::unique_ptr<Signer> after;
  ASSERT_TRUE(Signer::open(path, false, &after).is_ok());
  EXPECT_EQ(after->signing_key_id(), 2u);
  EXPECT_TRUE(after->verify(777, 1, old_tag, 50));
}

TEST(SignerTest, MalformedKeyFilesAreRefusedWithTheLineAndWithoutKeyMaterial) {
  testing::TemporaryDirectory directory;
  const std::string secret(64, 'e');
  const struct {
    std::string text;
    std::string expected;
  } cases[] = {
      {"lookup " + secret + "\nsign 1 " + secret.substr(2) + "\n", "line 2"},
      {"lookup " + secret + "\nsign 32 " + secret + "\n", "line 2"},
      {"lookup " + secret + "\nsign 1 " + secret + "\nsign 1 " + secret + "\n", "line 3"},
      {"# comment\nlookup " + secret + "\nsignature 1 " + secret + "\n", "line 3"},
      {"sign 1 " + secret + "\n", "no lookup key"},
      {"lookup " + secret + "\n", "no sign key"},
      {"lookup " + secret + "\nsign 1 " + std::string(63, 'e') + "g\n", "line 2"},
  };
  int index = 0;
  for (const auto& test : cases) {
    const auto path = directory.path() / (testing::numbered("keys", index++));
    std::ofstream(path) << test.text;
    std::unique_ptr<Signer> signer;
    const Status status = Signer::open(path, false, &signer);
    EXPECT_FALSE(status.is_ok()) << test.text;
    EXPECT_NE(status.message().find(test.expected), std::string::npos) << status.message();
    EXPECT_EQ(status.message().find("eeeeeeee"), std::string::npos) << status.message();
  }
}

}  // namespace
}  // namespace coupond::codes
