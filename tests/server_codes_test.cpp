// Codes people type, end to end through the real binary: a batch's prefix is printed exactly as
// written or the batch is refused naming it; compact codes are 16 characters, validate and redeem
// as typed (any case, look-alikes), are refused by their tag when one character is wrong, stop at
// 65,536 a batch, and keep their format across restarts (journal and snapshot).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstring>
#include <sstream>

#include "codes/base32.h"
#include "coupond/limits.h"
#include "http_client.h"
#include "server_process.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::http_request;
using testing::HttpResult;
using testing::error_message_of;
using testing::json_of;
using testing::lines_of;
using testing::ServerOptions;
using testing::ServerProcess;

std::string batch_body(const std::string& id, const std::string& code_object) {
  return R"({"id": ")" + id + R"(", "discount": {"type": "amount_off", "amount": 300},
      "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
      "code": )" +
         code_object + "}";
}

// The characters after the prefix and its dash, without the dashes that group them.
std::string body_of(const std::string& code, std::string_view prefix) {
  std::string body = code.substr(prefix.size() + 1);
  body.erase(std::remove(body.begin(), body.end(), '-'), body.end());
  return body;
}

class ServerCodesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.started()); }

  std::vector<std::string> generate(const std::string& batch, int count) {
    const HttpResult generated = server.admin("POST", "/admin/v1/batches/" + batch + "/generate",
                                       R"({"count": )" + std::to_string(count) + "}");
    EXPECT_EQ(generated.status, 200) << generated.body;
    return lines_of(generated.body);
  }
  boost::json::object validate(const std::string& code) {
    return json_of(http_request(server.data_port(), "POST", "/v1/validate",
                                boost::json::serialize(boost::json::object{{"code", code}})));
  }

  ServerProcess server;
};

TEST_F(ServerCodesTest, APrefixWithALookAlikeIsPrintedAsWritten) {
  ASSERT_EQ(server.admin("POST", "/admin/v1/batches", batch_body("latte", R"({"prefix": "LAT"})")).status,
            201);
  const auto codes = generate("latte", 5);
  ASSERT_EQ(codes.size(), 5u);
  for (const std::string& code : codes) EXPECT_TRUE(code.starts_with("LAT-")) << code;
  // Typed with the prefix's look-alike folded, or in lower case, it is the same code, answered in
  // its printed form.
  const std::string body = codes[0].substr(3);
  for (const std::string& typed : {codes[0], "1AT" + body, "lat" + body}) {
    const auto answer = validate(typed);
    EXPECT_TRUE(answer.at("valid").as_bool()) << typed;
    EXPECT_EQ(answer.at("code").as_string(), codes[0]) << typed;
  }
  const auto shown = json_of(server.admin("GET", "/admin/v1/batches/latte"));
  EXPECT_EQ(shown.at("code").at("prefix").as_string(), "LAT");
  EXPECT_EQ(shown.at("code").at("format").as_string(), "standard");
  EXPECT_EQ(body_of(codes[0], "LAT").size(), 22u);
}

TEST_F(ServerCodesTest, APrefixACodeCannotHoldIsABadRequestNamingIt) {
  for (const std::string prefix : {"D-11", "LA T", "CAF\xc3\x89", "ABCDEFGHJKMNPQRST"}) {
    const HttpResult refused =
        server.admin("POST", "/admin/v1/batches",
              batch_body("p", boost::json::serialize(boost::json::object{{"prefix", prefix}})));
    EXPECT_EQ(refused.status, 400) << prefix;
    const std::string message = error_message_of(refused);
    EXPECT_TRUE(message.starts_with("code.prefix \"" + prefix + "\"")) << message;
  }
  const HttpResult bad_format =
      server.admin("POST", "/admin/v1/batches", batch_body("p", R"({"format": "tiny"})"));
  EXPECT_EQ(bad_format.status, 400);
  EXPECT_EQ(error_message_of(bad_format), "code.format must be standard or compact");
  const HttpResult long_tag = server.admin("POST", "/admin/v1/batches",
                                    batch_body("p", R"({"format": "compact", "tag_bits": 48})"));
  EXPECT_EQ(long_tag.status, 400);
  EXPECT_EQ(error_message_of(long_tag), "code.tag_bits must be 41 (or left out) for the compact format");
  EXPECT_EQ(server.admin("GET", "/admin/v1/batches/p").status, 404);
  // "standard", named, is today's format.
  ASSERT_EQ(server.admin("POST", "/admin/v1/batches",
                  batch_body("s", R"({"prefix": "S", "format": "standard"})"))
                .status,
            201);
  EXPECT_EQ(body_of(generate("s", 1).at(0), "S").size(), 22u);
}

TEST_F(ServerCodesTest, CompactCodesAreSixteenCharactersAndValidateAndRedeem) {
  ASSERT_EQ(server.admin("POST", "/admin/v1/batches",
                  batch_body("drinks", R"({"prefix": "LAT", "format": "compact"})"))
                .status,
            201);
  const auto shown = json_of(server.admin("GET", "/admin/v1/batches/drinks"));
  EXPECT_EQ(shown.at("code").at("format").as_string(), "compact");
  EXPECT_EQ(shown.at("code").at("tag_bits").as_int64(), compact_tag_bits);
  const auto codes = generate("drinks", 200);
  ASSERT_EQ(codes.size(), 200u);
  for (const std::string& code : codes) {
    ASSERT_TRUE(code.starts_with("LAT-")) << code;
    EXPECT_LE(body_of(code, "LAT").size(), 16u) << code;
  }
  EXPECT_TRUE(validate(codes[7]).at("valid").as_bool());
  const HttpResult redeemed =
      http_request(server.data_port(), "POST", "/v1/redeem",
                   boost::json::serialize(boost::json::object{
                       {"code", codes[7]}, {"order_id", "till-1"}, {"order", {{"amount", 450}}}}));
  ASSERT_EQ(redeemed.status, 200) << redeemed.body;
  EXPECT_EQ(json_of(redeemed).at("code").as_string(), codes[7]);
  const auto again = validate(codes[7]);
  EXPECT_FALSE(again.at("valid").as_bool());
  EXPECT_EQ(again.at("reason").as_string(), "already_redeemed");
}

TEST_F(ServerCodesTest, ACompactCodeWithOneCharacterChangedIsInvalid) {
  ASSERT_EQ(
      server.admin("POST", "/admin/v1/batches",
            batch_body("drinks", R"({"prefix": "LAT", "format": "compact", "group_size": 0})"))
          .status,
      201);
  const std::string code = generate("drinks", 1).at(0);
  ASSERT_EQ(code.size(), 4u + 16u) << code;
  for (std::size_t at = 4; at < code.size(); ++at) {
    std::string typo = code;
    // The next character of the alphabet: always a different, valid base32 character.
    const char* found = std::strchr(codes::base32_alphabet, code[at]);
    ASSERT_NE(found, nullptr);
    typo[at] = codes::base32_alphabet[(found - codes::base32_alphabet + 1) % 32];
    const auto answer = validate(typo);
    EXPECT_FALSE(answer.at("valid").as_bool()) << typo;
    EXPECT_EQ(answer.at("reason").as_string(), "invalid_code") << typo;
  }
  EXPECT_TRUE(validate(code).at("valid").as_bool());
}

TEST_F(ServerCodesTest, ACompactCodeTypedInLowerCaseWithLookAlikesIsAccepted) {
  ASSERT_EQ(server.admin("POST", "/admin/v1/batches",
                  batch_body("drinks", R"({"prefix": "LAT", "format": "compact"})"))
                .status,
            201);
  const auto codes = generate("drinks", 100);
  // A code whose body holds a 0 and a 1, so that both look-alikes are typed.
  const auto with_both = std::find_if(codes.begin(), codes.end(), [](const std::string& code) {
    const std::string body = body_of(code, "LAT");
    return body.find('0') != std::string::npos && body.find('1') != std::string::npos;
  });
  ASSERT_NE(with_both, codes.end());
  ASSERT_EQ(body_of(*with_both, "LAT").size(), 16u) << *with_both;
  std::string typed;
  for (char c : *with_both) {
    if (c == '-') {
      typed.push_back(' ');
    } else if (c == '0') {
      typed.push_back('o');
    } else if (c == '1') {
      typed.push_back(typed.size() % 2 == 0 ? 'l' : 'i');
    } else {
      typed.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  const auto answer = validate(typed);
  EXPECT_TRUE(answer.at("valid").as_bool()) << typed << " for " << *with_both;
  EXPECT_EQ(answer.at("code").as_string(), *with_both);
}

TEST_F(ServerCodesTest, ACompactBatchRefusesIts65537thCode) {
  ASSERT_EQ(
      server.admin("POST", "/admin/v1/batches", batch_body("full", R"({"format": "compact"})")).status,
      201);
  const HttpResult too_many =
      server.admin("POST", "/admin/v1/batches/full/generate", R"({"count": 65537})");
  EXPECT_EQ(too_many.status, 409);
  EXPECT_EQ(json_of(too_many).at("error").at("code").as_string(), "limit_reached");
  EXPECT_EQ(generate("full", 65'536).size(), 65'536u);
  const HttpResult one_more = server.admin("POST", "/admin/v1/batches/full/generate", R"({"count": 1})");
  EXPECT_EQ(one_more.status, 409);
  EXPECT_EQ(error_message_of(one_more),
            "a compact batch holds at most 65536 codes; batch full has 65536 and this load adds 1");
  const HttpResult imported =
      http_request(server.admin_port(), "POST", "/admin/v1/batches/full/import",
                   "code\nMADE-ELSEWHERE-1\n", server.admin_token());
  EXPECT_EQ(imported.status, 409) << imported.body;
  EXPECT_EQ(json_of(server.admin("GET", "/admin/v1/batches/full")).at("stats").at("issued").as_int64(),
            65'536);
}

TEST(ServerCodesRestartTest, ACompactBatchKeepsItsFormatThroughJournalAndSnapshot) {
  testing::TemporaryDirectory directory;
  ServerOptions options;
  options.data_dir = directory.path();
  std::string code;
  auto shows_compact_and_validates = [&](ServerProcess& server) {
    const HttpResult shown = http_request(server.admin_port(), "GET", "/admin/v1/batches/drinks",
                                          {}, server.admin_token());
    EXPECT_EQ(json_of(shown).at("code").at("format").as_string(), "compact") << shown.body;
    EXPECT_EQ(json_of(shown).at("code").at("prefix").as_string(), "LAT");
    const auto answer =
        json_of(http_request(server.data_port(), "POST", "/v1/validate",
                             boost::json::serialize(boost::json::object{{"code", code}})));
    EXPECT_TRUE(answer.at("valid").as_bool()) << code;
    // Newly generated codes after the restart are still compact.
    const auto more =
        lines_of(http_request(server.admin_port(), "POST", "/admin/v1/batches/drinks/generate",
                              R"({"count": 1})", server.admin_token())
                     .body);
    ASSERT_EQ(more.size(), 1u);
    EXPECT_EQ(body_of(more[0], "LAT").size(), 16u) << more[0];
  };
  {
    ServerProcess server(options);
    ASSERT_TRUE(server.started());
    ASSERT_EQ(http_request(server.admin_port(), "POST", "/admin/v1/batches",
                           batch_body("drinks", R"({"prefix": "LAT", "format": "compact"})"),
                           server.admin_token())
                  .status,
              201);
    code = lines_of(http_request(server.admin_port(), "POST", "/admin/v1/batches/drinks/generate",
                                 R"({"count": 3})", server.admin_token())
                        .body)
               .at(1);
    server.kill_now();  // no snapshot at exit: the batch comes back from the journal alone
  }
  {
    ServerProcess server(options);
    ASSERT_TRUE(server.started());
    shows_compact_and_validates(server);
    EXPECT_EQ(
        http_request(server.admin_port(), "POST", "/admin/v1/snapshot", {}, server.admin_token())
            .status,
        200);
    server.kill_now();
  }
  {
    ServerProcess server(options);  // from the snapshot
    ASSERT_TRUE(server.started());
    shows_compact_and_validates(server);
  }
}

}  // namespace
}  // namespace coupond
