#include "api/admin.h"

#include <openssl/crypto.h>

#include <boost/json.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "api/batch_json.h"
#include "api/json_fields.h"
#include "api/admin_reports.h"
#include "api/import_stream.h"
#include "api/responses.h"
#include "csv/csv.h"
#include "journal/fault_point.h"
#include "rules/time_text.h"

namespace coupond::api {
namespace {

ApiResponse status_response(const Status& status) {
  switch (status.code()) {
    case Status::Code::invalid_argument:
      return error_response(400, "bad_request", status.message());
    case Status::Code::not_found:
      return error_response(404, "not_found", status.message());
    case Status::Code::already_exists:
      return error_response(409, "conflict", status.message());
    case Status::Code::resource_exhausted:
      return error_response(409, "limit_reached", status.message());
    case Status::Code::failed_precondition:
      return error_response(409, "conflict", status.message());
    default:
      return error_response(500, "internal", status.message());
  }
}

ApiResponse not_primary_response() {
  return error_response(503, "not_primary", reason_sentence(Reason::not_primary));
}

// Codes generated per chunk of a streamed answer: about 300 KB of CSV, so a million codes go out
// in a hundred writes and the server never holds more than one chunk.
constexpr std::uint64_t generate_chunk_codes = 10'000;
constexpr std::uint64_t generate_count_max = 10'000'000;
constexpr std::size_t generate_customers_max = 1'000'000;

// A path fit for a log: a coupon code in it is cut to its first characters.
std::string loggable_path(std::string_view path) {
  constexpr std::string_view coupons = "/admin/v1/coupons/";
  if (!path.starts_with(coupons)) return std::string(path);
  const std::string_view rest = path.substr(coupons.size());
  const std::size_t slash = rest.find('/');
  const std::string_view code = rest.substr(0, slash);
  std::string shown(coupons);
  shown += code.substr(0, std::min<std::size_t>(code.size(), 6));
  shown += "...";
  if (slash != std::string_view::npos) shown += rest.substr(slash);
  return shown;
}

// Fault points that make a streamed import or answer fail as running out of memory would, to
// check that the server answers (or cuts off) that one request and goes on serving.
void fail_if_injected(const char* point) {
  if (journal::fault_injected(point)) throw std::runtime_error(std::string("fault point ") + point);
}

// A streamed answer has no other way to say that it broke off: the server then cuts the body
// short, and the client sees a broken transfer instead of a complete-looking, shorter list.
void throw_unless_ok(const Status& status) {
  if (!status.is_ok()) throw std::runtime_error("generating codes failed: " + status.message());
}

// Whether a request that is not a GET changes the data (batches, codes): a snapshot only writes
// down what this node holds, and is a standby's to take too; the cluster's calls change who is
// primary, and answer for themselves.
bool changes_data(std::string_view path) {
  return path != "/admin/v1/snapshot" && !path.starts_with("/admin/v1/cluster/");
}

}  // namespace

std::optional<ApiResponse> Admin::refusal_without_token(const ApiRequest& request) const {
  if (request.path == "/healthz" || authorized(request.authorization)) return std::nullopt;
  return error_response(401, "unauthorized", "missing or wrong admin token");
}

bool Admin::authorized(std::string_view authorization) const {
  constexpr std::string_view scheme = "Bearer ";
  if (!authorization.starts_with(scheme)) return false;
  const std::string_view given = authorization.substr(scheme.size());
  return given.size() == token_.size() &&
         CRYPTO_memcmp(given.data(), token_.data(), token_.size()) == 0;
}

std::optional<ApiResponse> Admin::refusal_unless_primary(const ApiRequest& request) const {
  if (request.method == "GET" || request.path == "/admin/v1/snapshot") return std::nullopt;
  // A node that follows a primary (elected standby, or by --follow alone, whose role is single)
  // changes nothing itself: its state is its primary's. Otherwise the lease decides, for the
  // calls that change data; the cluster's calls answer for themselves.
  const bool refused =
      engine_.following() || (changes_data(request.path) && !role_.may_acknowledge());
  if (!refused) return std::nullopt;
  return not_primary_response();
}

ApiResponse Admin::handle(const ApiRequest& request) {
  ApiResponse response = route(request);
  if (request.method == "GET") return response;
  if (changes_data(request.path) && !role_.is_single()) response.acknowledged_by = &role_;
  if (response.deferred) {
    // Logged when the answer is known, not when it was promised.
    response.deferred = [this, method = std::string(request.method), path = std::string(request.path),
                         deferred = std::move(response.deferred)](auto answer) {
      deferred([this, method, path, answer = std::move(answer)](ApiResponse later) {
        log_action(method, path, later);
        answer(std::move(later));
      });
    };
    return response;
  }
  log_action(request.method, request.path, response);
  return response;
}

// One line per admin action; never the token, never a whole code.
void Admin::log_action(std::string_view method, std::string_view path,
                       const ApiResponse& response) const {
  std::string line = "coupond: admin: " + std::string(method) + " " + loggable_path(path) +
                     " -> " + std::to_string(response.status);
  if (response.status >= 400 && response.stream == nullptr) line += " " + response.body;
  std::cerr << line + "\n";
}

ApiResponse Admin::route(const ApiRequest& request) {
  if (request.path == "/healthz") {
    if (request.method != "GET") return error_response(405, "method_not_allowed", "use GET");
    return json_response(200, {{"status", "ok"}});
  }
  if (auto refusal = refusal_without_token(request)) return std::move(*refusal);
  if (auto refusal = refusal_unless_primary(request)) return std::move(*refusal);
  if (request.path == "/admin/v1/cluster") {
    if (request.method != "GET") return error_response(405, "method_not_allowed", "use GET");
    return cluster();
  }
  constexpr std::string_view batches = "/admin/v1/batches";
  constexpr std::string_view coupons = "/admin/v1/coupons/";
  if (request.path == "/metrics") {
    if (request.method != "GET") return error_response(405, "method_not_allowed", "use GET");
    ApiResponse response;
    response.content_type = "text/plain; version=0.0.4";
    response.body = metrics_ != nullptr ? metrics_->render(engine_.coupon_count()) : "";
    response.body += render_replication_metrics(cluster_status());
    return response;
  }
  if (request.path == "/admin/v1/report") {
    if (request.method != "GET") return error_response(405, "method_not_allowed", "use GET");
    return campaign_report(engine_);
  }
  if (request.path == batches) {
    if (request.method == "POST") return create_batch(request.body);
    if (request.method == "GET") return list_batches();
    return error_response(405, "method_not_allowed", "use GET or POST");
  }
  if (request.path.starts_with(batches) && request.path[batches.size()] == '/') {
    return batch_route(request, request.path.substr(batches.size() + 1));
  }
  if (request.path == "/admin/v1/snapshot") {
    if (request.method != "POST") return error_response(405, "method_not_allowed", "use POST");
    return snapshot();
  }
  if (request.path == "/admin/v1/cluster/switchover") {
    if (request.method != "POST") return error_response(405, "method_not_allowed", "use POST");
    return switch_over();
  }
  if (request.path.starts_with(coupons) && request.path.ends_with("/revoke")) {
    if (request.method != "POST") return error_response(405, "method_not_allowed", "use POST");
    const std::string_view rest = request.path.substr(coupons.size());
    return revoke_code(rest.substr(0, rest.size() - std::string_view("/revoke").size()));
  }
  return error_response(404, "not_found", "no such endpoint");
}

ClusterStatus Admin::cluster_status() const {
  if (cluster_status_) return cluster_status_();
  ClusterStatus status;
  status.role = "single";
  status.journal_sequence = engine_.durable_sequence();
  return status;
}

ApiResponse Admin::cluster() {
  ClusterStatus status = cluster_status();
  if (!role_.is_single()) {
    // The election's word on who this node is; the replication's on what it holds.
    status.role = cluster::role_name(role_.role());
    status.partition = role_.partition();
    status.node = role_.node();
    status.leader = role_.leader();
  }
  boost::json::array standbys;
  for (const StandbyStatus& standby : status.standbys) {
    standbys.push_back({{"node", standby.node},
                        {"acknowledged_seq", standby.acknowledged_sequence},
                        {"lag_records", standby.lag_records},
                        {"synchronous", standby.synchronous}});
  }
  boost::json::object body{{"partition", status.partition},
                           {"node", status.node},
                           {"role", status.role},
                           {"leader", status.leader},
                           {"standbys", std::move(standbys)},
                           {"journal_seq", status.journal_sequence},
                           {"sync_standby", status.sync_standby},
                           {"sync_suspended", status.sync_suspended}};
  if (!status.following.empty()) {
    body["following"] = status.following;
    body["connected"] = status.connected;
  }
  return json_response(200, std::move(body));
}

namespace {

ApiResponse snapshot_response(const Status& status, const SnapshotInfo& info) {
  if (!status.is_ok()) return status_response(status);
  return json_response(200, {{"seq", info.sequence},
                             {"bytes", info.bytes},
                             {"millis", info.duration.count()}});
}

}  // namespace

ApiResponse Admin::snapshot() {
  if (!snapshots_) {
    SnapshotInfo info;
    const Status status = engine_.snapshot(&info);
    return snapshot_response(status, info);
  }
  ApiResponse response;
  response.deferred = [runner = snapshots_](std::function<void(ApiResponse)> answer) {
    runner([answer = std::move(answer)](const Status& status, const SnapshotInfo& info) {
      answer(snapshot_response(status, info));
    });
  };
  return response;
}

namespace {

// The body of a batch's creation or change: a JSON object, or the 400 saying why not.
std::optional<ApiResponse> parse_object_body(std::string_view body, boost::json::value* document) {
  boost::system::error_code error;
  *document = boost::json::parse(body, error);
  if (error) {
    return error_response(400, "bad_request", "the body is not valid JSON: " + error.message());
  }
  if (!document->is_object()) {
    return error_response(400, "bad_request", "the body must be a JSON object");
  }
  return std::nullopt;
}

}  // namespace

ApiResponse Admin::create_batch(std::string_view body) {
  boost::json::value document;
  if (auto refusal = parse_object_body(body, &document)) return std::move(*refusal);
  BatchDefinition definition;
  if (std::string message = parse_batch_definition(document.get_object(), &definition);
      !message.empty()) {
    return error_response(400, "bad_request", message);
  }
  // A batch is served by the partition of the node it is created on: its codes begin with that
  // partition's name, so that the router sends them here (docs/routing.md).
  if (definition.partition.empty()) definition.partition = partition_;
  if (definition.partition != partition_) {
    return error_response(
        409, "wrong_partition",
        "the batch names partition " + definition.partition + ", and this node " +
            (partition_.empty() ? "serves no partition (it was started without --partition)"
                                : "serves partition " + partition_) +
            ": create it on a node of its partition");
  }
  const Batch* batch = nullptr;
  const Status status = engine_.create_batch(std::move(definition), &batch);
  if (!status.is_ok()) return status_response(status);
  return json_response(201, batch_json(*batch));
}

ApiResponse Admin::update_batch(const Batch& batch, std::string_view body) {
  boost::json::value document;
  if (auto refusal = parse_object_body(body, &document)) return std::move(*refusal);
  BatchDefinition definition;
  if (std::string message =
          parse_batch_patch(batch.definition(), document.get_object(), &definition);
      !message.empty()) {
    return error_response(400, "bad_request", message);
  }
  const Batch* updated = nullptr;
  const Status status = engine_.update_batch(batch.id(), std::move(definition), &updated);
  if (!status.is_ok()) return status_response(status);
  return json_response(200, batch_json(*updated));
}

ApiResponse Admin::list_batches() {
  boost::json::array batches;
  for (const Batch* batch : engine_.batches()) batches.push_back(batch_json(*batch));
  return json_response(200, {{"batches", std::move(batches)}});
}

// /admin/v1/batches/{id}[/generate|/import|/revoke|/stats|/redemptions|/unused]
ApiResponse Admin::batch_route(const ApiRequest& request, std::string_view rest) {
  const std::size_t slash = rest.find('/');
  const std::string_view id = rest.substr(0, slash);
  const std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  const Batch* batch = engine_.find_batch(id);
  if (batch == nullptr) return error_response(404, "not_found", "no batch " + std::string(id));
  if (action.empty()) {
    if (request.method == "PATCH") return update_batch(*batch, request.body);
    if (request.method != "GET") {
      return error_response(405, "method_not_allowed", "use GET or PATCH");
    }
    return json_response(200, batch_json(*batch));
  }
  if (action == "stats" || action == "redemptions" || action == "unused") {
    if (request.method != "GET") return error_response(405, "method_not_allowed", "use GET");
    if (action == "redemptions") return redemptions_csv(engine_, *batch);
    if (action == "unused") return unused_csv(engine_, *batch, request.query);
    return stats(*batch);
  }
  if (action != "generate" && action != "revoke" && action != "import") {
    return error_response(404, "not_found", "no such endpoint");
  }
  if (request.method != "POST") return error_response(405, "method_not_allowed", "use POST");
  if (action == "generate") return generate(*batch, request.body);
  if (action == "import") return import_codes(*batch, request.body);
  std::uint64_t revoked = 0;
  const Status status = engine_.revoke_batch(batch->id(), &revoked);
  if (!status.is_ok()) return status_response(status);
  return json_response(200, {{"revoked", revoked}});
}

ApiResponse Admin::revoke_code(std::string_view code) {
  std::uint64_t revoked = 0;
  const Status status = engine_.revoke_code(code, &revoked);
  if (status.code() == Status::Code::invalid_argument) {
    return error_response(400, "invalid_code", "this is not a valid coupon code");
  }
  if (status.code() == Status::Code::not_found) {
    return error_response(404, "unknown_code", "no such coupon");
  }
  if (!status.is_ok()) return status_response(status);
  return json_response(200, {{"revoked", revoked}});
}

ApiResponse Admin::stats(const Batch& batch) {
  BatchReport report;
  const Status status = engine_.batch_report(batch.id(), &report);
  if (!status.is_ok()) return status_response(status);
  boost::json::object by_channel;
  for (const auto& [channel, count] : report.by_channel) by_channel[channel] = count;
  boost::json::object by_segment;
  for (const auto& [segment, count] : report.by_segment) by_segment[segment] = count;
  boost::json::array by_hour;
  for (const auto& [hour, count] : report.by_hour) {
    by_hour.push_back({{"hour", format_rfc3339_utc(hour)}, {"redeemed", count}});
  }
  boost::json::object object = counts_json(report.counts);
  object["discount_total"] = report.discount_total;
  object["order_amount_total"] = report.order_amount_total;
  object["by_channel"] = std::move(by_channel);
  object["by_segment"] = std::move(by_segment);
  object["by_hour"] = std::move(by_hour);
  add_segment_rates(engine_, batch, report, object);
  return json_response(200, object);
}

// The CSV body, when it did not come as a stream (see import_stream for the streamed way in).
ApiResponse Admin::import_codes(const Batch& batch, std::string_view body) {
  ImportStream stream;
  stream.consume(body);
  return stream.finish(engine_, batch.id());
}

HeadDecision Admin::on_head(const ApiRequest& head) {
  HeadDecision decision;
  if ((decision.answer = refusal_without_token(head)) ||
      (decision.answer = refusal_unless_primary(head))) {
    if (head.method != "GET") log_action(head.method, head.path, *decision.answer);
    return decision;
  }
  constexpr std::string_view batches = "/admin/v1/batches/";
  constexpr std::string_view import = "/import";
  if (head.method != "POST" || !head.path.starts_with(batches) || !head.path.ends_with(import) ||
      head.path.size() <= batches.size() + import.size()) {
    return decision;  // read whole and answered the ordinary way, with its error if it has one
  }
  const std::string_view id =
      head.path.substr(batches.size(), head.path.size() - batches.size() - import.size());
  const Batch* batch = engine_.find_batch(id);
  if (batch == nullptr) return decision;
  auto stream = std::make_shared<ImportStream>();
  Engine* engine = &engine_;
  const std::string batch_id = batch->id();
  BodyConsumer& consumer = decision.consumer.emplace();
  consumer.consume = [stream](std::string_view chunk) {
    fail_if_injected("admin.import_consume");
    stream->consume(chunk);
  };
  consumer.finish = [this, stream, engine, batch_id, path = std::string(head.path)] {
    fail_if_injected("admin.import_finish");
    ApiResponse response = stream->finish(*engine, batch_id);
    log_action("POST", path, response);
    return response;
  };
  return decision;
}

// The answer is text/csv (RFC 4180), streamed in chunks: a code per line, or customer,code lines.
ApiResponse Admin::generate(const Batch& batch, std::string_view body) {
  boost::system::error_code error;
  auto document = std::make_shared<boost::json::value>(boost::json::parse(body, error));
  if (error || !document->is_object()) {
    return error_response(400, "bad_request", "the body must be a JSON object");
  }
  FieldReader fields(document->get_object(), "");
  fields.only({"count", "customers"});
  const std::optional<std::int64_t> count = fields.integer("count", false);
  const boost::json::array* customers = fields.array("customers", false);
  if (!fields.ok()) return error_response(400, "bad_request", fields.error());
  if (count.has_value() == (customers != nullptr)) {
    return error_response(400, "bad_request", "give either count or customers");
  }
  ApiResponse response;
  response.content_type = "text/csv";
  const std::string batch_id = batch.id();
  if (count) {
    if (*count < 1 || static_cast<std::uint64_t>(*count) > generate_count_max) {
      return error_response(400, "bad_request", "count must be between 1 and 10000000");
    }
    // Room for all of them first: the answer is made ten thousand codes at a time.
    Status room = batch.check_code_room(static_cast<std::uint64_t>(*count));
    if (room.is_ok()) room = engine_.reserve_coupons(static_cast<std::uint64_t>(*count));
    if (!room.is_ok()) return status_response(room);
    auto left = std::make_shared<std::uint64_t>(static_cast<std::uint64_t>(*count));
    Engine* engine = &engine_;
    response.stream = [engine, batch_id, left](std::string* chunk) {
      fail_if_injected("admin.generate_chunk");
      const std::uint64_t now = std::min(*left, generate_chunk_codes);
      const Status status = engine->generate(batch_id, now, [&](std::string_view code) {
        chunk->append(code);
        chunk->push_back('\n');
      });
      *left -= now;
      throw_unless_ok(status);
      return *left > 0;
    };
    return response;
  }
  if (customers->size() > generate_customers_max) {
    return error_response(400, "bad_request", "customers must hold at most 1000000 entries");
  }
  std::vector<CustomerCode> list;
  for (std::size_t i = 0; i < customers->size(); ++i) {
    const boost::json::value& entry = (*customers)[i];
    if (!entry.is_object()) return error_response(400, "bad_request", "customers[] must be objects");
    FieldReader customer(entry.get_object(), "customers[" + std::to_string(i) + "]");
    customer.only({"customer", "segment"});
    CustomerCode code{customer.text("customer", true, customer_length_max),
                      customer.text("segment", false, segment_length_max)};
    if (!customer.ok()) return error_response(400, "bad_request", customer.error());
    list.push_back(code);
  }
  Status room = batch.check_code_room(list.size());
  if (room.is_ok()) room = engine_.reserve_coupons(list.size());
  if (!room.is_ok()) return status_response(room);
  auto pending = std::make_shared<std::vector<CustomerCode>>(std::move(list));
  auto next = std::make_shared<std::size_t>(0);
  Engine* engine = &engine_;
  // document owns the customer strings that pending's views point into.
  response.stream = [engine, batch_id, document, pending, next](std::string* chunk) {
    const std::size_t end = std::min(pending->size(), *next + generate_chunk_codes);
    const std::span<const CustomerCode> part(pending->data() + *next, end - *next);
    const Status status = engine->generate_for_customers(
        batch_id, part, [&](std::string_view customer, std::string_view code) {
          csv::append_field(chunk, customer);  // "Doe, Jane" must stay one field
          chunk->push_back(',');
          chunk->append(code);
          chunk->push_back('\n');
        });
    *next = end;
    throw_unless_ok(status);
    return *next < pending->size();
  };
  return response;
}

}  // namespace coupond::api
