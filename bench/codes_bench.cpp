// The price of a code: the HMAC every validation pays (BM_HmacSha256Reference, the reference the
// engine's targets are stated against), OpenSSL's one-shot HMAC() for comparison, and parsing,
// verifying and formatting a code.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <random>
#include <string>

#include "codes/code_format.h"
#include "codes/signer.h"

namespace coupond::codes {
namespace {

std::unique_ptr<Signer> bench_signer() {
  std::array<std::uint8_t, key_bytes> lookup{};
  std::array<std::array<std::uint8_t, key_bytes>, keys_max> sign{};
  for (std::size_t i = 0; i < key_bytes; ++i) {
    lookup[i] = static_cast<std::uint8_t>(i * 7 + 1);
    sign[1][i] = static_cast<std::uint8_t>(i * 13 + 5);
  }
  return Signer::from_keys(lookup, sign, 1u << 1);
}

CodeHeader header_for(std::uint32_t serial) {
  CodeHeader header;
  header.tag_chars = tag_chars_for_bits(tag_bits_default);
  header.key_id = 1;
  header.batch_number = 7;
  header.serial = serial;
  return header;
}

std::string code_for(const Signer& signer, std::uint32_t serial) {
  const CodeHeader header = header_for(serial);
  const std::uint64_t tag = signer.tag(1, pack_header(header), header.tag_chars * 5);
  char text[code_text_max];
  const std::size_t size = format_signed("D11", header, tag, 4, text, sizeof(text));
  return std::string(text, size);
}

void BM_HmacSha256Reference(benchmark::State& state) {
  const auto signer = bench_signer();
  std::uint64_t header = pack_header(header_for(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(signer->tag(1, header++, 50));
  }
}
BENCHMARK(BM_HmacSha256Reference);

void BM_HmacOneShot(benchmark::State& state) {
  std::uint8_t key[key_bytes] = {};
  std::uint8_t message[8] = {};
  std::uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  for (auto _ : state) {
    ++message[7];
    benchmark::DoNotOptimize(
        HMAC(EVP_sha256(), key, sizeof(key), message, sizeof(message), digest, &digest_size));
  }
}
BENCHMARK(BM_HmacOneShot);

void BM_ParseAndVerify(benchmark::State& state) {
  const auto signer = bench_signer();
  std::vector<std::string> codes;
  for (std::uint32_t serial = 0; serial < 1024; ++serial) codes.push_back(code_for(*signer, serial));
  std::size_t next = 0;
  for (auto _ : state) {
    NormalizedCode normalized;
    SignedCodeParts parts;
    const std::string& code = codes[next++ & 1023];
    bool ok = normalize_signed(code, &normalized) &&
              parse_signed(normalized, &parts) == ParseError::none &&
              signer->verify(pack_header(parts.header), parts.header.key_id, parts.tag, 50);
    if (!ok) state.SkipWithError("a valid code did not verify");
  }
}
BENCHMARK(BM_ParseAndVerify);

void BM_FormatCode(benchmark::State& state) {
  const CodeHeader header = header_for(42);
  char text[code_text_max];
  std::uint64_t tag = 0x123456789;
  for (auto _ : state) {
    benchmark::DoNotOptimize(format_signed("D11", header, tag++, 4, text, sizeof(text)));
  }
}
BENCHMARK(BM_FormatCode);

}  // namespace
}  // namespace coupond::codes
