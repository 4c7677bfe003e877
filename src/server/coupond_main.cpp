// coupond: the coupon redemption validation server. Parses the command line (the only place that
// does), opens the engine, and serves the data plane and the admin port until SIGINT/SIGTERM.
#include <boost/program_options.hpp>

#include <iostream>
#include <optional>
#include <thread>

#include "api/admin.h"
#include "api/api_keys.h"
#include "api/data_plane.h"
#include "coupond/engine.h"
#include "http/http_server.h"
#include "rules/partition.h"
#include "server/admin_token.h"
#include "server/cluster_flags.h"
#include "server/cluster_node.h"
#include "server/descriptor_limit.h"
#include "server/replication_flags.h"
#include "server/snapshot_thread.h"

namespace {

namespace po = boost::program_options;

struct Flags {
  std::string data_dir;
  std::string listen;
  std::string admin_listen;
  std::string admin_token_file;
  std::string admin_tls_cert;
  std::string admin_tls_key;
  std::string keys;
  std::string api_keys;
  std::string durability;
  unsigned threads = 0;
  unsigned snapshot_interval_s = 0;
  std::uint64_t journal_segment_bytes = 0;
  bool journal_truncate_corrupt = false;
  std::size_t connections_max = 0;
  std::size_t header_bytes_max = 0;
  std::size_t body_bytes_max = 0;
  std::size_t admin_body_bytes_max = 0;
  unsigned request_timeout_s = 0;
  unsigned hold_ttl_max_s = 0;
  unsigned bad_codes_per_customer = 0;
  unsigned bad_codes_per_client = 0;
  bool open_data_plane = false;
  coupond::server::ClusterFlags cluster;
};

po::options_description describe_flags(Flags* flags) {
  po::options_description options(
      "coupond: coupon redemption validation server\n\n"
      "Usage: coupond --data-dir DIR [options]\n\nOptions");
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const coupond::api::DataPlaneOptions data_plane;
  options.add_options()("help,h", "show this help and exit")(
      "data-dir", po::value(&flags->data_dir)->required(),
      "directory for the journal, the snapshots, the working table, the HMAC key file and the "
      "admin token (created if missing); docs/storage.md says how to back it up")(
      "listen", po::value(&flags->listen)->default_value("0.0.0.0:8080"),
      "data plane address, HOST:PORT (port 0 picks a free port)")(
      "admin-listen", po::value(&flags->admin_listen)->default_value("127.0.0.1:8081"),
      "admin port address, HOST:PORT; keep it off public networks")(
      "admin-token-file", po::value(&flags->admin_token_file),
      "file holding the admin bearer token; default DATA_DIR/admin-token, created (mode 0600) "
      "on first start")(
      "admin-tls-cert", po::value(&flags->admin_tls_cert),
      "PEM certificate chain for the admin port; with --admin-tls-key the admin port speaks HTTPS "
      "only")(
      "admin-tls-key", po::value(&flags->admin_tls_key), "PEM private key for --admin-tls-cert")(
      "keys", po::value(&flags->keys),
      "HMAC key file; default DATA_DIR/keys, created (mode 0600) on first start")(
      "api-keys", po::value(&flags->api_keys),
      "data-plane API key file, lines '<name> <key>'; when given, every data-plane request "
      "needs 'Authorization: Bearer <key>' and the key's name is recorded with each use")(
      "open-data-plane", po::bool_switch(&flags->open_data_plane),
      "without --api-keys, serve the data plane to every address; otherwise only loopback "
      "clients are served and others get 403")(
      "threads", po::value(&flags->threads)->default_value(cores),
      "I/O threads serving the data port (the admin port has one of its own, at nice 10)")(
      "durability", po::value(&flags->durability)->default_value("group"),
      "group|sync|none: how changes reach the disk before they are acknowledged. group: one "
      "fdatasync per group of redemptions that arrived together (every 200 is on disk); sync: "
      "one fdatasync per redemption (slower, for comparison); none: never synced, a machine "
      "crash loses acknowledged redemptions (benchmarks only)")(
      "snapshot-interval", po::value(&flags->snapshot_interval_s)->default_value(300),
      "seconds between snapshots; 0 for none but on demand and at shutdown. A restart replays "
      "the journal written since the newest snapshot")(
      "journal-segment-bytes", po::value(&flags->journal_segment_bytes)->default_value(64u << 20),
      "size at which a journal segment is closed and the next begun; segments are deleted once "
      "a snapshot covers them")(
      "journal-truncate-corrupt", po::bool_switch(&flags->journal_truncate_corrupt),
      "start even if the journal is corrupt, dropping the damaged record and everything after "
      "it; LOSES acknowledged changes: only after restoring from backup is not possible")(
      "max-connections", po::value(&flags->connections_max)->default_value(10'000),
      "open connections per port; past it a connection gets 503")(
      "max-header-bytes", po::value(&flags->header_bytes_max)->default_value(8 * 1024),
      "request line and headers; past it 431")(
      "max-body-bytes", po::value(&flags->body_bytes_max)->default_value(64 * 1024),
      "data plane request body; past it 413")(
      "max-admin-body-bytes", po::value(&flags->admin_body_bytes_max)->default_value(64 << 20),
      "admin request body (generate for customers, imports); past it 413")(
      "request-timeout", po::value(&flags->request_timeout_s)->default_value(15),
      "seconds for a whole request to arrive; idle keep-alive connections close after it too")(
      "max-hold-ttl",
      po::value(&flags->hold_ttl_max_s)
          ->default_value(static_cast<unsigned>(data_plane.hold_ttl_max.count())),
      ("upper bound, in seconds, of a reserve's ttl_s, and of its default (" +
       std::to_string(data_plane.hold_ttl_default.count()) + ")")
          .c_str())(
      "max-bad-codes-per-customer",
      po::value(&flags->bad_codes_per_customer)
          ->default_value(data_plane.bad_codes_per_customer_per_minute),
      "codes that are not real (invalid_code, unknown_code) a customer may try per minute; past "
      "it every answer to that customer is rate_limited (429 on redeem) until the minute ends; "
      "0 turns it off")(
      "max-bad-codes-per-client",
      po::value(&flags->bad_codes_per_client)
          ->default_value(data_plane.bad_codes_per_client_per_minute),
      "the same per client (the API key's name, or without keys the peer address), whatever "
      "customer it names; lookups (GET /v1/coupons/CODE) count too. Sized for a busy checkout "
      "front end whose shoppers mistype; 0 turns it off");
  coupond::server::describe_cluster_flags(options, &flags->cluster);
  return options;
}

// Every code a node serves begins with its partition's name: a data directory holding a batch of
// another partition (or of none) would have every one of that batch's codes answered 421.
std::string partition_mismatch(const coupond::Engine& engine, const std::string& partition) {
  for (const coupond::Batch* batch : engine.batches()) {
    const std::string& held = batch->definition().partition;
    if (held == partition) continue;
    return "batch " + batch->id() + " belongs to " +
           (held.empty() ? "no partition" : "partition " + held) + ", and this node was started " +
           (partition.empty() ? "without --partition" : "with --partition " + partition) +
           "; a data directory serves one partition";
  }
  return {};
}

int fail(const std::string& message) {
  std::cerr << "coupond: " << message << "\n";
  return 1;
}

coupond::Durability parse_durability(const std::string& text) {
  if (text == "sync") return coupond::Durability::sync;
  if (text == "none") return coupond::Durability::none;
  return coupond::Durability::group;
}

void log_recovery(const coupond::RecoveryReport& report) {
  for (const std::string& note : report.notes) std::cerr << "coupond: recovery: " << note << "\n";
  std::cerr << "coupond: recovered "
            << (report.snapshot.empty() ? std::string("from the journal alone")
                                        : "snapshot " + report.snapshot.string() + " (" +
                                              std::to_string(report.snapshot_coupons) +
                                              " coupons)")
            << " and " << report.records_replayed << " journal records in "
            << report.duration.count() << " ms; the journal goes on at sequence "
            << report.last_sequence + 1 << "\n";
}

// The admin port's TLS files, or nothing for plain HTTP; false when only one of the two is given.
bool admin_tls_files(const Flags& flags, std::optional<coupond::http::TlsFiles>* out) {
  if (flags.admin_tls_cert.empty() != flags.admin_tls_key.empty()) return false;
  if (!flags.admin_tls_cert.empty()) {
    *out = coupond::http::TlsFiles{flags.admin_tls_cert, flags.admin_tls_key};
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  po::options_description options = describe_flags(&flags);
  coupond::server::ReplicationFlags replication_flags;
  coupond::server::add_replication_flags(options, &replication_flags);
  po::variables_map arguments;
  try {
    po::store(po::parse_command_line(argc, argv, options), arguments);
    if (arguments.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
    po::notify(arguments);
  } catch (const po::error& error) {
    std::cerr << "coupond: " << error.what() << "\n\n" << options << "\n";
    return 2;
  }
  std::optional<coupond::http::TlsFiles> admin_tls;
  if (!admin_tls_files(flags, &admin_tls)) {
    std::cerr << "coupond: give both --admin-tls-cert and --admin-tls-key, or neither\n";
    return 2;
  }
  if (flags.hold_ttl_max_s == 0) return fail("--max-hold-ttl must be at least 1");
  if (auto status = coupond::server::check_cluster_flags(flags.cluster); !status.is_ok()) {
    return fail(status.message());
  }
  if (flags.durability != "group" && flags.durability != "sync" && flags.durability != "none") {
    return fail("--durability must be group, sync or none");
  }
  // --node is the cluster's flag; a primary also shows its standbys by it.
  replication_flags.node = flags.cluster.node;
  if (!flags.cluster.etcd.empty() && !replication_flags.follow.empty()) {
    return fail("--follow is for a standby outside a cluster: with --etcd the election says whom "
                "to follow");
  }
  if (!flags.cluster.etcd.empty() && replication_flags.listen.empty()) {
    return fail("--etcd needs --replication-listen: the partition's standby follows its primary "
                "there, and a standby that cannot follow must never become primary");
  }
  if (const std::string refusal =
          coupond::server::check_replication_flags(replication_flags, parse_durability(flags.durability));
      !refusal.empty()) {
    return fail(refusal);
  }
  std::string host, admin_host;
  std::uint16_t port = 0, admin_port = 0;
  if (!coupond::http::split_host_port(flags.listen, &host, &port)) {
    return fail("--listen must be HOST:PORT, not " + flags.listen);
  }
  if (!coupond::http::split_host_port(flags.admin_listen, &admin_host, &admin_port)) {
    return fail("--admin-listen must be HOST:PORT, not " + flags.admin_listen);
  }

  std::string partition;
  if (!flags.cluster.partition.empty()) {
    std::string error =
        coupond::rules::check_partition_name("--partition", flags.cluster.partition, &partition);
    if (!error.empty()) return fail(error);
  }

  coupond::EngineOptions engine_options;
  engine_options.data_dir = flags.data_dir;
  engine_options.key_file = flags.keys;
  engine_options.durability = parse_durability(flags.durability);
  engine_options.journal_segment_bytes_max = std::max<std::uint64_t>(flags.journal_segment_bytes, 4096);
  engine_options.truncate_corrupt_journal = flags.journal_truncate_corrupt;
  // A cluster node starts as if it followed: it changes nothing until the election makes it
  // primary, and a standby's journal takes only its primary's records.
  engine_options.follow = !replication_flags.follow.empty() || !flags.cluster.etcd.empty();
  engine_options.on_journal_failure = [](const coupond::Status& status) {
    // After a failed write or sync nothing more can be promised: exit before any other answer
    // leaves. Every answer already given is in the journal.
    std::cerr << "coupond: FATAL: the journal failed: " << status.message()
              << "; exiting without acknowledging anything more" << std::endl;
    std::_Exit(3);
  };
  std::unique_ptr<coupond::Engine> engine;
  if (auto status = coupond::Engine::open(engine_options, &engine); !status.is_ok()) {
    return fail("cannot start: " + status.message());
  }
  log_recovery(engine->recovery());
  if (std::string mismatch = partition_mismatch(*engine, partition); !mismatch.empty()) {
    return fail("cannot start: " + mismatch);
  }
  if (engine_options.durability == coupond::Durability::none) {
    std::cerr << "coupond: WARNING: --durability none: redemptions are acknowledged before they "
                 "reach the disk; a crash of the machine loses them. For benchmarks only.\n";
  }
  std::string token;
  std::filesystem::path token_path;
  if (auto status = coupond::server::load_admin_token(flags.admin_token_file, flags.data_dir,
                                                      &token, &token_path);
      !status.is_ok()) {
    return fail(status.message());
  }
  std::cerr << "coupond: admin token in " << token_path.string() << "\n";

  coupond::api::DataPlaneOptions data_plane_options;
  data_plane_options.hold_ttl_max = std::chrono::seconds(flags.hold_ttl_max_s);
  data_plane_options.bad_codes_per_customer_per_minute = flags.bad_codes_per_customer;
  data_plane_options.bad_codes_per_client_per_minute = flags.bad_codes_per_client;
  data_plane_options.open_to_any_peer = flags.open_data_plane;
  data_plane_options.partition = partition;
  coupond::api::ApiKeys api_keys;
  if (!flags.api_keys.empty()) {
    if (auto status = coupond::api::ApiKeys::load(flags.api_keys, &api_keys); !status.is_ok()) {
      return fail(status.message());
    }
    std::cerr << "coupond: " << api_keys.size() << " data-plane API key(s) from " << flags.api_keys
              << "\n";
  } else if (flags.open_data_plane) {
    std::cerr << "coupond: WARNING: --open-data-plane without --api-keys: any client that can "
                 "reach the data plane may validate and redeem\n";
  } else {
    std::cerr << "coupond: protected mode: no --api-keys, so the data plane serves loopback "
                 "clients only (others get 403); give --api-keys, or --open-data-plane\n";
  }
  // Before anything is served: a cluster node acknowledges nothing until it is elected.
  coupond::server::ClusterNode cluster(flags.cluster);
  coupond::api::DataPlane data_plane(*engine, data_plane_options,
                                     flags.api_keys.empty() ? nullptr : &api_keys, cluster.role());
  coupond::api::Metrics metrics;
  // Snapshots, periodic and asked for, are written on a thread of their own.
  std::optional<coupond::server::SnapshotThread> snapshots;
  snapshots.emplace(*engine, std::chrono::seconds(flags.snapshot_interval_s));
  coupond::api::Admin admin(
      *engine, token, &metrics,
      [&snapshots](auto done) { snapshots->request(std::move(done)); }, cluster.role(), partition);
  if (cluster.clustered()) {
    admin.set_switchover([&cluster](auto done) { cluster.switch_over(std::move(done)); });
  }

  // Each connection holds a descriptor: past RLIMIT_NOFILE the server could accept nothing more,
  // so the connection limit stays below it and a connection past that gets a 503 instead.
  const std::uint64_t descriptors = coupond::server::raise_descriptor_limit();
  const std::size_t connections_fit = coupond::server::connections_that_fit(descriptors, 2);
  if (flags.connections_max > connections_fit) {
    std::cerr << "coupond: " << descriptors << " file descriptors (RLIMIT_NOFILE): "
              << "--max-connections lowered from " << flags.connections_max << " to "
              << connections_fit << " per port so that connections cannot take them all\n";
    flags.connections_max = connections_fit;
  }
  coupond::http::HttpLimits limits;
  limits.connections_max = flags.connections_max;
  limits.header_bytes_max = flags.header_bytes_max;
  limits.body_bytes_max = flags.body_bytes_max;
  limits.request_timeout = std::chrono::seconds(flags.request_timeout_s);
  coupond::http::HttpLimits admin_limits = limits;
  admin_limits.body_bytes_max = flags.admin_body_bytes_max;

  coupond::http::HttpServer server(flags.threads);
  std::string bound, admin_bound;
  auto status = server.listen(
      host, port, limits, [&](const auto& request, auto& answer) { data_plane.handle(request, answer); }, &bound,
      &metrics, coupond::api::Port::data);
  if (status.is_ok()) {
    status = server.listen(
        admin_host, admin_port, admin_limits,
        [&](const auto& request, auto& answer) { answer = admin.handle(request); }, &admin_bound,
        &metrics, coupond::api::Port::admin, [&](const auto& head) { return admin.on_head(head); },
        admin_tls);
  }
  if (!status.is_ok()) return fail(status.message());
  std::unique_ptr<coupond::server::Replication> replication;
  status = coupond::server::Replication::start(
      *engine, replication_flags, token,
      [&] { coupond::server::restart_process(argc, argv, bound, admin_bound); }, &replication);
  if (!status.is_ok()) return fail(status.message());
  admin.set_cluster_status([&replication] { return replication->status(); });
  server.run();
  if (admin_tls) {
    std::cerr << "coupond: admin port uses TLS (certificate " << admin_tls->certificate_chain_file
              << ")\n";
  }
  std::cout << "listening on " << bound << "\n" << "listening on " << admin_bound << std::endl;
  std::cerr << "coupond: data plane on " << bound << ", admin port on " << admin_bound << ", "
            << flags.threads << " threads\n";
  cluster.start(coupond::cluster::LeaderValue{flags.cluster.node, replication->address(), bound,
                                             admin_bound},
                *replication);
  server.run_until_signal(std::chrono::seconds(10));
  cluster.stop();
  replication.reset();
  snapshots.reset();
  coupond::SnapshotInfo final_snapshot;
  const coupond::Status snapshot_status = engine->snapshot(&final_snapshot);
  coupond::server::log_snapshot("final", snapshot_status, final_snapshot);
  engine.reset();
  std::cerr << "coupond: stopped\n";
  return snapshot_status.is_ok() ? 0 : 1;
}
