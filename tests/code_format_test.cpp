// The code format: what format_signed writes, parse_signed reads back; normalization accepts what
// people type and refuses the rest; and the HMAC tag rejects every single-character change,
// adjacent transposition and truncation of real codes.
#include "codes/code_format.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "codes/base32.h"
#include "codes/signer.h"

namespace coupond::codes {
namespace {

std::unique_ptr<Signer> signer_with_seed(std::uint8_t seed) {
  std::array<std::uint8_t, key_bytes> lookup{};
  std::array<std::array<std::uint8_t, key_bytes>, keys_max> sign{};
  for (std::size_t i = 0; i < key_bytes; ++i) {
    lookup[i] = static_cast<std::uint8_t>(seed + i);
    sign[1][i] = static_cast<std::uint8_t>(seed * 3 + i * 7);
    sign[2][i] = static_cast<std::uint8_t>(seed * 5 + i * 11);
  }
  return Signer::from_keys(lookup, sign, (1u << 1) | (1u << 2));
}

struct IssuedCode {
  std::string text;
  CodeHeader header;
  std::string prefix;
};

IssuedCode issue(const Signer& signer, const CodeHeader& header, std::string_view prefix,
                 std::uint32_t group_size = 4) {
  const std::uint64_t tag = signer.tag(header.key_id, pack_header(header), tag_bits_of(header));
  char text[code_text_max];
  const std::size_t size = format_signed(prefix, header, tag, group_size, text, sizeof(text));
  EXPECT_GT(size, 0u);
  return {std::string(text, size), header, std::string(prefix)};
}

// True when text verifies as a code of the original's batch, serial and prefix.
bool accepted_as(const Signer& signer, std::string_view text, const IssuedCode& original) {
  NormalizedCode normalized;
  SignedCodeParts parts;
  if (!normalize_signed(text, &normalized)) return false;
  if (parse_signed(normalized, &parts) != ParseError::none) return false;
  if (!signer.verify(pack_header(parts.header), parts.header.key_id, parts.tag,
                     tag_bits_of(parts.header))) {
    return false;
  }
  return parts.prefix == original.prefix && parts.header.batch_number == original.header.batch_number;
}

// True when text parses and its tag verifies, whatever batch it names.
bool verifies(const Signer& signer, std::string_view text) {
  NormalizedCode normalized;
  SignedCodeParts parts;
  return normalize_signed(text, &normalized) &&
         parse_signed(normalized, &parts) == ParseError::none &&
         signer.verify(pack_header(parts.header), parts.header.key_id, parts.tag,
                       tag_bits_of(parts.header));
}

// The code's text parses back to its header, with the prefix folded as given, verifies, and prints
// (from the batch's prefix as written) as the same text.
void expect_reads_back(const Signer& signer, const IssuedCode& code, std::string_view folded_prefix,
                       std::uint32_t group_size) {
  NormalizedCode normalized;
  ASSERT_TRUE(normalize_signed(code.text, &normalized)) << code.text;
  SignedCodeParts parts;
  ASSERT_EQ(parse_signed(normalized, &parts), ParseError::none) << code.text;
  ASSERT_EQ(parts.prefix, folded_prefix);
  ASSERT_EQ(parts.header.format, code.header.format);
  ASSERT_EQ(parts.header.serial, code.header.serial);
  ASSERT_EQ(parts.header.batch_number, code.header.batch_number);
  ASSERT_EQ(parts.header.key_id, code.header.key_id);
  ASSERT_EQ(parts.header.tag_chars, code.header.tag_chars);
  ASSERT_TRUE(signer.verify(pack_header(parts.header), parts.header.key_id, parts.tag,
                            tag_bits_of(code.header)));
  char canonical[code_text_max];
  const std::size_t size =
      format_parsed(code.prefix, parts, group_size, canonical, sizeof(canonical));
  ASSERT_EQ(std::string_view(canonical, size), code.text);
}

CodeHeader random_header(std::mt19937_64& random) {
  CodeHeader header;
  header.tag_chars = tag_chars_min + static_cast<std::uint32_t>(random() % 6);
  header.key_id = 1 + static_cast<std::uint32_t>(random() % 2);
  header.batch_number = 1 + static_cast<std::uint32_t>(random() % ((1u << code_batch_bits) - 1));
  header.serial = static_cast<std::uint32_t>(random());
  return header;
}

TEST(CodeFormatTest, HeaderPacksAndUnpacksEveryField) {
  const CodeHeader header{12, 31, (1u << code_batch_bits) - 1, 0xffffffffu};
  const CodeHeader back = unpack_header(pack_header(header));
  EXPECT_EQ(back.tag_chars, 12u);
  EXPECT_EQ(back.key_id, 31u);
  EXPECT_EQ(back.batch_number, (1u << code_batch_bits) - 1);
  EXPECT_EQ(back.serial, 0xffffffffu);
  EXPECT_LT(pack_header(header), std::uint64_t{1} << 60);
}

TEST(CodeFormatTest, AMillionCodesRoundTrip) {
  const auto signer = signer_with_seed(1);
  std::mt19937_64 random(42);
  for (int i = 0; i < 1'000'000; ++i) {
    const CodeHeader header = random_header(random);
    const IssuedCode code = issue(*signer, header, i % 3 == 0 ? "" : "D11");
    ASSERT_NO_FATAL_FAILURE(expect_reads_back(*signer, code, code.prefix, 4));
  }
}

TEST(CodeFormatTest, EveryTypoOfTenThousandCodesIsRejected) {
  const auto signer = signer_with_seed(2);
  std::mt19937_64 random(7);
  std::uint64_t mutations = 0;
  for (int i = 0; i < 10'000; ++i) {
    CodeHeader header = random_header(random);
    header.tag_chars = tag_chars_min;  // the weakest tag the format allows: 35 bits
    const IssuedCode code = issue(*signer, header, "XMAS", 0);
    const std::string& text = code.text;  // "XMAS-" then the body, no dashes
    for (std::size_t at = 5; at < text.size(); ++at) {
      for (char replacement : std::string_view(base32_alphabet)) {
        if (replacement == text[at]) continue;
        std::string typo = text;
        typo[at] = replacement;
        ++mutations;
        ASSERT_FALSE(verifies(*signer, typo)) << text << " -> " << typo;
      }
      if (at + 1 < text.size() && text[at] != text[at + 1]) {
        std::string swapped = text;
        std::swap(swapped[at], swapped[at + 1]);
        ++mutations;
        ASSERT_FALSE(verifies(*signer, swapped)) << text << " -> " << swapped;
      }
    }
    for (std::size_t cut = 1; cut < text.size() - 5; ++cut) {
      ASSERT_FALSE(accepted_as(*signer, text.substr(0, text.size() - cut), code)) << cut;
      ASSERT_FALSE(accepted_as(*signer, "XMAS-" + text.substr(5 + cut), code)) << cut;
      mutations += 2;
    }
    ASSERT_TRUE(accepted_as(*signer, text, code));
  }
  EXPECT_GT(mutations, 10'000u * 500u);
}

TEST(CodeFormatTest, CodesFromAnotherKeyOrBatchAreRejected) {
  const auto ours = signer_with_seed(3);
  const auto theirs = signer_with_seed(4);
  std::mt19937_64 random(9);
  for (int i = 0; i < 10'000; ++i) {
    const CodeHeader header = random_header(random);
    const IssuedCode foreign = issue(*theirs, header, "D11");
    EXPECT_FALSE(verifies(*ours, foreign.text)) << foreign.text;
    // The same tag under another batch's header does not verify either.
    CodeHeader moved = header;
    moved.batch_number = header.batch_number % ((1u << code_batch_bits) - 2) + 1;
    const std::uint64_t tag = ours->tag(header.key_id, pack_header(header), header.tag_chars * 5);
    char text[code_text_max];
    const std::size_t size = format_signed("D11", moved, tag, 4, text, sizeof(text));
    EXPECT_FALSE(verifies(*ours, std::string_view(text, size)));
  }
}

TEST(CodeFormatTest, NormalizationAcceptsWhatPeopleTypeAndRefusesTheRest) {
  NormalizedCode out;
  ASSERT_TRUE(normalize_signed("d11-7kq2 m9xa-4rtb", &out));
  EXPECT_EQ(out.view(), "D117KQ2M9XA4RTB");
  ASSERT_TRUE(normalize_signed("oOiIlL", &out));
  EXPECT_EQ(out.view(), "001111");
  EXPECT_FALSE(normalize_signed("", &out));
  EXPECT_FALSE(normalize_signed(" - - ", &out));
  EXPECT_FALSE(normalize_signed("ABC_DEF", &out));
  EXPECT_FALSE(normalize_signed("ABC\xc3\xa9", &out));
  EXPECT_FALSE(normalize_signed(std::string(code_input_max + 1, 'A'), &out));
  EXPECT_TRUE(normalize_signed(std::string(code_input_max, 'A'), &out));

  ASSERT_TRUE(normalize_imported("summer-2026 oil", &out));
  EXPECT_EQ(out.view(), "SUMMER2026OIL");
  EXPECT_FALSE(normalize_imported(std::string(imported_code_length_max + 1, 'A'), &out));
  EXPECT_FALSE(normalize_imported("A+B", &out));

  ASSERT_TRUE(normalize_prefix("Gold", &out));
  EXPECT_EQ(out.view(), "G01D");
}

TEST(CodeFormatTest, ParseRefusesBrokenStructure) {
  NormalizedCode code;
  SignedCodeParts parts;
  ASSERT_TRUE(normalize_signed("ABCDEFGHJKMNPQR", &code));  // 15: one short of a compact body
  EXPECT_EQ(parse_signed(code, &parts), ParseError::too_short);
  // 'U' survives normalization (it is a letter) but is not a base32 digit.
  ASSERT_TRUE(normalize_signed("UUUUUUUUUUUUUUUUUUUUUU", &code));
  EXPECT_EQ(parse_signed(code, &parts), ParseError::bad_character);
  // A header whose length field says 12 characters, with only 7 before it.
  std::string text(7, '0');
  text.push_back('M');  // top char 'M' = 20: length field 5 -> 12 characters
  text.append(11, '0');
  ASSERT_TRUE(normalize_signed(text, &code));
  EXPECT_EQ(parse_signed(code, &parts), ParseError::bad_tag_length);
  // The compact mark (length field 6 or 7) with a 'U' in the tag's first characters.
  ASSERT_TRUE(normalize_signed("UUUUZ00000000000", &code));
  EXPECT_EQ(parse_signed(code, &parts), ParseError::bad_character);
}

TEST(CodeFormatTest, CodesOfOneBatchShareNoVisibleRun) {
  const auto signer = signer_with_seed(5);
  CodeHeader header{10, 1, 7, 0};
  const IssuedCode first = issue(*signer, header, "", 0);
  header.serial = 1;
  const IssuedCode second = issue(*signer, header, "", 0);
  // Consecutive serials: without whitening the last 11 characters would be nearly identical.
  int same = 0;
  for (std::size_t i = 0; i < first.text.size(); ++i) same += first.text[i] == second.text[i];
  EXPECT_LT(same, 8) << first.text << " " << second.text;
}

CodeHeader compact_header(std::uint32_t key_id, std::uint32_t batch_number, std::uint32_t serial) {
  CodeHeader header;
  header.format = CodeFormat::compact;
  header.key_id = key_id;
  header.batch_number = batch_number;
  header.serial = serial;
  return header;
}

// Every field at its extremes, and prefixes with and without look-alikes, read back from the text
// and printed again as the same text.
TEST(CodeFormatTest, CompactCodesAreSixteenCharactersAndRoundTrip) {
  const auto signer = signer_with_seed(6);
  std::mt19937_64 random(11);
  for (int i = 0; i < 100'000; ++i) {
    const std::uint32_t batch = i < 2
                                    ? (i == 0 ? 1u : batches_max - 1)
                                    : 1 + static_cast<std::uint32_t>(random() % (batches_max - 1));
    const std::uint32_t serial =
        i < 2 ? (i == 0 ? 0u : 0xffffu) : static_cast<std::uint32_t>(random() % 0x10000);
    const CodeHeader header =
        compact_header(1 + static_cast<std::uint32_t>(random() % 2), batch, serial);
    const IssuedCode code = issue(*signer, header, i % 2 == 0 ? "" : "LAT", 0);
    ASSERT_EQ(code.text.size(), i % 2 == 0 ? 16u : 20u) << code.text;
    // The prefix is read back folded, as typed codes are compared.
    ASSERT_NO_FATAL_FAILURE(expect_reads_back(*signer, code, i % 2 == 0 ? "" : "1AT", 0));
  }
}

// One character changed anywhere in the 16, or two neighbours swapped: the 41-bit tag refuses it.
TEST(CodeFormatTest, EveryTypoOfACompactCodeIsRejected) {
  const auto signer = signer_with_seed(7);
  std::mt19937_64 random(13);
  for (int i = 0; i < 2'000; ++i) {
    const CodeHeader header = compact_header(1, 1 + static_cast<std::uint32_t>(random() % 1000),
                                             static_cast<std::uint32_t>(random() % 0x10000));
    const std::string text = issue(*signer, header, "", 0).text;
    ASSERT_TRUE(verifies(*signer, text)) << text;
    for (std::size_t at = 0; at < text.size(); ++at) {
      for (char replacement : std::string_view(base32_alphabet)) {
        if (replacement == text[at]) continue;
        std::string typo = text;
        typo[at] = replacement;
        ASSERT_FALSE(verifies(*signer, typo)) << text << " -> " << typo;
      }
      if (at + 1 < text.size() && text[at] != text[at + 1]) {
        std::string swapped = text;
        std::swap(swapped[at], swapped[at + 1]);
        ASSERT_FALSE(verifies(*signer, swapped)) << text << " -> " << swapped;
      }
    }
  }
}

// The two layouts sign disjoint messages: a compact header never packs like a standard one, so a
// tag made for one is never checked as the other's.
TEST(CodeFormatTest, CompactAndStandardHeadersNeverPackAlike) {
  std::mt19937_64 random(17);
  for (int i = 0; i < 100'000; ++i) {
    const std::uint64_t compact = pack_header(
        compact_header(static_cast<std::uint32_t>(random() % keys_max),
                       static_cast<std::uint32_t>(random()), static_cast<std::uint32_t>(random())));
    const CodeHeader standard = random_header(random);
    ASSERT_NE(compact >> 58, pack_header(standard) >> 58);
    ASSERT_EQ(unpack_header(compact).format, CodeFormat::compact);
    ASSERT_EQ(unpack_header(pack_header(standard)).format, CodeFormat::standard);
  }
}

TEST(Base32Test, EncodesAndDecodesEveryFiveBitValue) {
  char text[12];
  encode_base32(0x0123456789abcdefULL & ((std::uint64_t{1} << 60) - 1), 12, text);
  std::uint64_t value = 0;
  ASSERT_TRUE(decode_base32(text, 12, &value));
  EXPECT_EQ(value, 0x0123456789abcdefULL & ((std::uint64_t{1} << 60) - 1));
  for (std::uint64_t digit = 0; digit < 32; ++digit) {
    encode_base32(digit, 1, text);
    EXPECT_EQ(text[0], base32_alphabet[digit]);
    ASSERT_TRUE(decode_base32(text, 1, &value));
    EXPECT_EQ(value, digit);
  }
  for (char refused : std::string_view("ILOUilou-+ ")) {
    EXPECT_FALSE(decode_base32(&refused, 1, &value)) << refused;
  }
}

}  // namespace
}  // namespace coupond::codes
