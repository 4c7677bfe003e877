// Partitions in codes: the rules for a partition's name, how a partitioned batch's printed prefix
// is composed and kept, which imported codes it takes, and the data plane's 421 for a code of
// another partition (and the admin port's refusal of a batch of another partition), in process.
#include "rules/partition.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>

#include "api/admin.h"
#include "api/data_plane.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::request_for;

std::string canonical_name(std::string_view name) {
  std::string canonical;
  const std::string error = rules::check_partition_name("partition", name, &canonical);
  return error.empty() ? canonical : "refused: " + error;
}

TEST(PartitionName, IsOneToEightCrockfordCharactersInEitherCaseKeptUpperCase) {
  EXPECT_EQ(canonical_name("P1"), "P1");
  EXPECT_EQ(canonical_name("p1"), "P1");
  EXPECT_EQ(canonical_name("eu0"),
            "refused: " + std::string("partition \"eu0\" is no partition name: 1 to 8 "
                                      "letters and digits of Crockford base32 (0-9 and A-Z without "
                                      "I, L, O and U), such as P1"));
  EXPECT_EQ(canonical_name("x2z9"), "X2Z9");
}

TEST(PartitionName, RefusesWhatFoldingWouldChangeAndWhatACodeCannotHold) {
  EXPECT_EQ(canonical_name("ABCDEFGH"), "ABCDEFGH");
  // O, I, L and U are not in the alphabet: a name holding one would be read as another (O as 0)
  // or could never be typed as it is printed.
  for (const char* refused :
       {"", "ABCDEFGHJ", "PO", "PI", "PL", "EU", "P-1", "P 1", "P_1", "P\xc3\xa9"}) {
    EXPECT_EQ(canonical_name(refused).rfind("refused: partition \"", 0), 0u) << refused;
  }
  EXPECT_EQ(canonical_name("PO"),
            "refused: partition \"PO\" is no partition name: 1 to 8 letters and digits of "
            "Crockford base32 (0-9 and A-Z without I, L, O and U), such as P1");
}

TEST(PartitionName, ARouterMapMustBePrefixFree) {
  EXPECT_EQ(rules::partition_names_clash(std::vector<std::string>{"P1", "P2", "Q"}), "");
  EXPECT_EQ(rules::partition_names_clash(std::vector<std::string>{"P12", "P2", "P1"}),
            "partition P1 is the beginning of partition P12: a code of P12 would begin with both");
  EXPECT_EQ(rules::partition_names_clash(std::vector<std::string>{"P1", "P1"}),
            "partition P1 is named twice");
}

TEST(PartitionName, ACodeIsInAPartitionWhateverItsCaseDashesAndLookAlikes) {
  EXPECT_TRUE(rules::code_in_partition("P1D11-6968-S2FX", "P1"));
  EXPECT_TRUE(rules::code_in_partition("p1d11 6968", "P1"));
  EXPECT_TRUE(rules::code_in_partition("pl-d11", "P1"));  // L typed for 1, as in any code
  EXPECT_TRUE(rules::code_in_partition("Pi0", "P10"));
  EXPECT_TRUE(rules::code_in_partition("po", "P0"));
  EXPECT_TRUE(rules::code_in_partition("- P 1", "P1"));
  EXPECT_FALSE(rules::code_in_partition("P2D11-6968", "P1"));
  EXPECT_FALSE(rules::code_in_partition("P", "P1"));
  EXPECT_FALSE(rules::code_in_partition("", "P1"));
  EXPECT_FALSE(rules::code_in_partition("P!1", "P1"));
  // No partition: every code.
  EXPECT_TRUE(rules::code_in_partition("anything", ""));
}

BatchDefinition partitioned_batch(std::string id, std::string partition, std::string prefix) {
  BatchDefinition batch = amount_off_batch(std::move(id));
  batch.partition = std::move(partition);
  batch.code.prefix = std::move(prefix);
  return batch;
}

TEST(PartitionBatch, CodesPrintThePartitionThenThePrefixAsWritten) {
  EngineFixture fixture;
  const Batch* batch = fixture.create(partitioned_batch("d11", "P1", "D11"));
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->definition().code.prefix, "D11");
  EXPECT_EQ(batch->printed_prefix(), "P1D11");
  const std::string code = fixture.generate("d11", 1).front();
  EXPECT_EQ(code.rfind("P1D11-", 0), 0u) << code;
  // Typed in lower case, without dashes, with L for 1: the same coupon, printed canonically.
  std::string typed;
  for (char c : code) {
    if (c != '-') typed.push_back(static_cast<char>(c == '1' ? 'l' : std::tolower(c)));
  }
  const Outcome outcome = fixture.engine->validate(request_for(typed));
  ASSERT_TRUE(outcome.ok()) << typed << " " << reason_name(outcome.reason);
  EXPECT_EQ(outcome.code.view(), code);
  // The prefix alone, without the partition, is another code: the partition is part of it.
  EXPECT_EQ(fixture.engine->validate(request_for(code.substr(2))).reason, Reason::invalid_code);

  // Without a prefix of its own the batch prints the partition's name alone; a lower-case
  // mixed prefix is printed as written after it.
  fixture.create(partitioned_batch("bare", "P1", ""));
  EXPECT_EQ(fixture.generate("bare", 1).front().rfind("P1-", 0), 0u);
  fixture.create(partitioned_batch("gold", "P1", "Gold"));
  EXPECT_EQ(fixture.generate("gold", 1).front().rfind("P1Gold-", 0), 0u);
}

TEST(PartitionBatch, ThePartitionIsKeptThroughRestartsAndSnapshotsAndCannotChange) {
  EngineFixture fixture;
  fixture.create(partitioned_batch("d11", "P1", "D11"));
  const std::string code = fixture.generate("d11", 1).front();
  ASSERT_TRUE(fixture.reopen().is_ok());  // from the journal
  EXPECT_EQ(fixture.engine->find_batch("d11")->definition().partition, "P1");
  EXPECT_TRUE(fixture.engine->validate(request_for(code)).ok());
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  ASSERT_TRUE(fixture.reopen().is_ok());  // from the snapshot
  EXPECT_EQ(fixture.engine->find_batch("d11")->definition().partition, "P1");
  EXPECT_TRUE(fixture.engine->validate(request_for(code)).ok());

  const Batch* updated = nullptr;
  for (const char* other : {"P2", ""}) {
    BatchDefinition moved = fixture.engine->find_batch("d11")->definition();
    moved.partition = other;
    const Status status = fixture.engine->update_batch("d11", moved, &updated);
    EXPECT_EQ(status.code(), Status::Code::invalid_argument) << other;
    EXPECT_EQ(status.message(), "partition cannot change");
  }
}

TEST(PartitionBatch, ADefinitionHoldsOnlyACanonicalName) {
  EXPECT_FALSE(check_batch_definition(partitioned_batch("b", "p1", "")).is_ok());
  EXPECT_FALSE(check_batch_definition(partitioned_batch("b", "PO", "")).is_ok());
  EXPECT_TRUE(check_batch_definition(partitioned_batch("b", "P1", "")).is_ok());
}

TEST(PartitionBatch, ImportedCodesMustBeginWithThePartition) {
  EngineFixture fixture;
  fixture.create(partitioned_batch("partner", "P1", ""));
  const std::vector<ImportLine> lines = {
      {"P1-SUMMER", "", ""}, {"p1winter", "", ""}, {"P2-SUMMER", "", ""},
      {"SUMMER", "", ""},    {"PLSPRING", "", ""},  // imported codes are not folded: PL is not P1
  };
  ImportResult result;
  ASSERT_TRUE(fixture.engine->import_codes("partner", lines, &result).is_ok());
  EXPECT_EQ(result.imported, 2u);
  ASSERT_EQ(result.rejected.size(), 3u);
  EXPECT_EQ(result.rejected[0].line, 3u);
  EXPECT_EQ(result.rejected[0].reason, "code must begin with the batch's partition, P1");
  EXPECT_EQ(result.rejected[1].line, 4u);
  EXPECT_EQ(result.rejected[2].line, 5u);
  EXPECT_TRUE(fixture.engine->validate(request_for("p1 summer")).ok());
  EXPECT_TRUE(fixture.engine->validate(request_for("P1WINTER")).ok());
}

// A data plane and an admin port over one engine, as a node started with --partition.
struct PartitionedNode {
  EngineFixture fixture;
  api::DataPlane data_plane;
  api::Admin admin;

  explicit PartitionedNode(std::string partition, std::uint32_t bad_codes_per_client = 60'000)
      : data_plane(*fixture.engine, options(partition, bad_codes_per_client), nullptr),
        admin(*fixture.engine, "token", nullptr, {}, cluster::single_node(), partition) {}

  static api::DataPlaneOptions options(const std::string& partition, std::uint32_t bad_codes) {
    api::DataPlaneOptions options;
    options.partition = partition;
    options.bad_codes_per_client_per_minute = bad_codes;
    return options;
  }
  api::ApiResponse post(std::string_view path, const boost::json::object& body) {
    const std::string text = boost::json::serialize(body);
    return data_plane.handle({"POST", path, text, "", "127.0.0.1", ""});
  }
  api::ApiResponse get(std::string_view path) {
    return data_plane.handle({"GET", path, "", "", "127.0.0.1", ""});
  }
  api::ApiResponse create_batch(std::string_view body) {
    return admin.handle({"POST", "/admin/v1/batches", body, "Bearer token", "127.0.0.1", ""});
  }
};

std::string error_code_of(const api::ApiResponse& answer) {
  return std::string(boost::json::parse(answer.body).at("error").at("code").as_string());
}

constexpr std::string_view other_partitions_code = "P2D11-6968-S2FX-SKFE-V8X3-0PS0-PD";

TEST(PartitionDataPlane, ACodeOfAnotherPartitionIsAnswered421OnEveryCall) {
  PartitionedNode node("P1");
  node.fixture.create(partitioned_batch("d11", "P1", "D11"));
  const std::string code = node.fixture.generate("d11", 1).front();
  const boost::json::object order{{"amount", 1000}};
  const std::pair<std::string_view, boost::json::object> calls[] = {
      {"/v1/validate", {{"code", other_partitions_code}, {"order", order}}},
      {"/v1/redeem", {{"code", other_partitions_code}, {"order_id", "o1"}, {"order", order}}},
      {"/v1/reserve", {{"code", other_partitions_code}, {"order_id", "o1"}, {"order", order}}},
      {"/v1/rollback", {{"code", other_partitions_code}, {"order_id", "o1"}}},
      {"/v1/validate", {{"codes", {other_partitions_code, code}}, {"order", order}}},
      {"/v1/redeem", {{"codes", {"hello", code}}, {"order_id", "o1"}, {"order", order}}},
  };
  for (const auto& [path, body] : calls) {
    const api::ApiResponse answer = node.post(path, body);
    EXPECT_EQ(answer.status, 421) << path << " " << answer.body;
    EXPECT_EQ(error_code_of(answer), "wrong_partition") << path;
  }
  const api::ApiResponse lookup = node.get("/v1/coupons/" + std::string(other_partitions_code));
  EXPECT_EQ(lookup.status, 421);
  EXPECT_EQ(error_code_of(lookup), "wrong_partition");
  // Its own codes, typed in lower case, are served; nothing above took a use.
  std::string lower;
  for (char c : code) lower.push_back(static_cast<char>(std::tolower(c)));
  EXPECT_EQ(node.post("/v1/redeem", {{"code", lower}, {"order_id", "o1"}, {"order", order}}).status,
            200);
  EXPECT_EQ(node.get("/v1/coupons/" + lower).status, 200);
}

TEST(PartitionDataPlane, AStackAcrossPartitionsIsRefusedNamingTheCode) {
  PartitionedNode node("P1");
  node.fixture.create(partitioned_batch("d11", "P1", "D11"));
  const std::string code = node.fixture.generate("d11", 1).front();
  const api::ApiResponse answer = node.post("/v1/redeem", {{"codes", {code, other_partitions_code}},
                                                           {"order_id", "o1"},
                                                           {"order", {{"amount", 1000}}}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(boost::json::parse(answer.body).at("error").at("message").as_string(),
            "codes[1] is not in partition P1 with codes[0]: the codes of one order must all be in "
            "one partition");
  EXPECT_EQ(node.fixture.engine->find_batch("d11")->stats().redeemed, 0u);
}

TEST(PartitionDataPlane, MisroutedCodesDoNotCountAsGuesses) {
  PartitionedNode node("P1", /*bad_codes_per_client=*/1);
  node.fixture.create(partitioned_batch("d11", "P1", "D11"));
  const std::string code = node.fixture.generate("d11", 1).front();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(node.post("/v1/validate", {{"code", other_partitions_code}}).status, 421);
  }
  const api::ApiResponse answer = node.post("/v1/validate", {{"code", code}});
  EXPECT_EQ(boost::json::parse(answer.body).at("valid").as_bool(), true) << answer.body;
  // A code of this partition that is not real still counts: the next call is limited.
  std::string forged = code;
  forged.back() = forged.back() == 'X' ? 'Y' : 'X';
  EXPECT_EQ(boost::json::parse(node.post("/v1/validate", {{"code", forged}}).body)
                .at("reason")
                .as_string(),
            "invalid_code");
  EXPECT_EQ(
      boost::json::parse(node.post("/v1/validate", {{"code", code}}).body).at("reason").as_string(),
      "rate_limited");
}

TEST(PartitionDataPlane, ANodeWithoutPartitionJudgesEveryCodeAsBefore) {
  PartitionedNode node("");
  const api::ApiResponse answer = node.post("/v1/validate", {{"code", other_partitions_code}});
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(boost::json::parse(answer.body).at("reason").as_string(), "invalid_code");
  EXPECT_EQ(node.get("/v1/role").body, R"({"role":"single"})");
}

const char* const batch_body = R"({"id": "d11", "discount": {"type": "amount_off", "amount": 500},
  "valid_from": "2026-11-01T00:00:00Z", "valid_until": "2099-12-01T00:00:00Z",
  "code": {"prefix": "D11"})";

std::string with_partition(std::string_view partition) {
  std::string body(batch_body);
  if (!partition.empty()) body += R"(, "partition": ")" + std::string(partition) + "\"";
  return body + "}";
}

TEST(PartitionAdmin, ABatchBelongsToItsNodesPartitionAndNoOther) {
  PartitionedNode node("P1");
  const api::ApiResponse other = node.create_batch(with_partition("p2"));
  EXPECT_EQ(other.status, 409);
  EXPECT_EQ(error_code_of(other), "wrong_partition");
  EXPECT_EQ(boost::json::parse(other.body).at("error").at("message").as_string(),
            "the batch names partition P2, and this node serves partition P1: create it on a node "
            "of its partition");
  const api::ApiResponse created = node.create_batch(with_partition(""));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(boost::json::parse(created.body).at("partition").as_string(), "P1");
  EXPECT_EQ(boost::json::parse(created.body).at("code").at("prefix").as_string(), "D11");

  PartitionedNode unpartitioned("");
  const api::ApiResponse refused = unpartitioned.create_batch(with_partition("P1"));
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(std::string(refused.body).find("serves no partition"), std::string::npos);
  EXPECT_EQ(unpartitioned.create_batch(with_partition("P-1")).status, 400);
}

}  // namespace
}  // namespace coupond
