// coupond: the coupon redemption validation server. Parses the command line (the only place that
// does), opens the engine, and serves the data plane and the admin port until SIGINT/SIGTERM.
#include <boost/program_options.hpp>

#include <iostream>
#include <thread>

#include "api/admin.h"
#include "api/api_keys.h"
#include "api/data_plane.h"
#include "coupond/engine.h"
#include "http/http_server.h"
#include "server/admin_token.h"

namespace {

namespace po = boost::program_options;

struct Flags {
  std::string data_dir;
  std::string listen;
  std::string admin_listen;
  std::string admin_token_file;
  std::string keys;
  std::string api_keys;
  std::string durability;
  unsigned threads = 0;
  unsigned snapshot_interval_s = 0;
  std::size_t connections_max = 0;
  std::size_t header_bytes_max = 0;
  std::size_t body_bytes_max = 0;
  std::size_t admin_body_bytes_max = 0;
  unsigned request_timeout_s = 0;
  unsigned hold_ttl_max_s = 0;
  unsigned bad_codes_per_customer = 0;
};

po::options_description describe_flags(Flags* flags) {
  po::options_description options(
      "coupond: coupon redemption validation server\n\n"
      "Usage: coupond --data-dir DIR [options]\n\nOptions");
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  options.add_options()("help,h", "show this help and exit")(
      "data-dir", po::value(&flags->data_dir)->required(),
      "directory for the coupon table, the HMAC key file and the admin token (created if missing)")(
      "listen", po::value(&flags->listen)->default_value("0.0.0.0:8080"),
      "data plane address, HOST:PORT (port 0 picks a free port)")(
      "admin-listen", po::value(&flags->admin_listen)->default_value("127.0.0.1:8081"),
      "admin port address, HOST:PORT; keep it off public networks")(
      "admin-token-file", po::value(&flags->admin_token_file),
      "file holding the admin bearer token; default DATA_DIR/admin-token, created (mode 0600) "
      "on first start")(
      "keys", po::value(&flags->keys),
      "HMAC key file; default DATA_DIR/keys, created (mode 0600) on first start")(
      "api-keys", po::value(&flags->api_keys),
      "data-plane API key file, lines '<name> <key>'; when given, every data-plane request "
      "needs 'Authorization: Bearer <key>' and the key's name is recorded with each use")(
      "threads", po::value(&flags->threads)->default_value(cores),
      "I/O threads serving both ports")(
      "durability", po::value(&flags->durability)->default_value("group"),
      "group|sync|none: how redemptions reach the disk (the journal is not built yet: every "
      "value currently means none, and coupond says so at start)")(
      "snapshot-interval", po::value(&flags->snapshot_interval_s)->default_value(300),
      "seconds between snapshots (snapshots are not built yet)")(
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
      "max-hold-ttl", po::value(&flags->hold_ttl_max_s)->default_value(3600),
      "upper bound, in seconds, of a reserve's ttl_s")(
      "max-bad-codes-per-customer", po::value(&flags->bad_codes_per_customer)->default_value(30),
      "codes that are not real (invalid_code, unknown_code) a customer may try per minute; past "
      "it every answer to that customer is rate_limited (429 on redeem) until the minute ends; "
      "0 turns it off");
  return options;
}

int fail(const std::string& message) {
  std::cerr << "coupond: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  const po::options_description options = describe_flags(&flags);
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
  if (flags.durability != "group" && flags.durability != "sync" && flags.durability != "none") {
    return fail("--durability must be group, sync or none");
  }
  std::string host, admin_host;
  std::uint16_t port = 0, admin_port = 0;
  if (!coupond::http::split_host_port(flags.listen, &host, &port)) {
    return fail("--listen must be HOST:PORT, not " + flags.listen);
  }
  if (!coupond::http::split_host_port(flags.admin_listen, &admin_host, &admin_port)) {
    return fail("--admin-listen must be HOST:PORT, not " + flags.admin_listen);
  }

  coupond::EngineOptions engine_options;
  engine_options.data_dir = flags.data_dir;
  engine_options.key_file = flags.keys;
  std::unique_ptr<coupond::Engine> engine;
  if (auto status = coupond::Engine::open(engine_options, &engine); !status.is_ok()) {
    return fail(status.message());
  }
  std::string token;
  std::filesystem::path token_path;
  if (auto status = coupond::server::load_admin_token(flags.admin_token_file, flags.data_dir,
                                                      &token, &token_path);
      !status.is_ok()) {
    return fail(status.message());
  }
  std::cerr << "coupond: admin token in " << token_path.string() << "\n";
  std::cerr << "coupond: WARNING: no journal yet: redemptions live in memory only and a restart "
               "starts from an empty table (--durability "
            << flags.durability << " is not in effect)\n";

  coupond::api::DataPlaneOptions data_plane_options;
  data_plane_options.hold_ttl_max = std::chrono::seconds(flags.hold_ttl_max_s);
  data_plane_options.bad_codes_per_customer_per_minute = flags.bad_codes_per_customer;
  coupond::api::ApiKeys api_keys;
  if (!flags.api_keys.empty()) {
    if (auto status = coupond::api::ApiKeys::load(flags.api_keys, &api_keys); !status.is_ok()) {
      return fail(status.message());
    }
    std::cerr << "coupond: " << api_keys.size() << " data-plane API key(s) from " << flags.api_keys
              << "\n";
  }
  coupond::api::DataPlane data_plane(*engine, data_plane_options,
                                     flags.api_keys.empty() ? nullptr : &api_keys);
  coupond::api::Metrics metrics;
  coupond::api::Admin admin(*engine, token, &metrics);

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
      host, port, limits, [&](const auto& request) { return data_plane.handle(request); }, &bound,
      &metrics, coupond::api::Port::data);
  if (status.is_ok()) {
    status = server.listen(
        admin_host, admin_port, admin_limits,
        [&](const auto& request) { return admin.handle(request); }, &admin_bound, &metrics,
        coupond::api::Port::admin, [&](const auto& head) { return admin.stream_body(head); });
  }
  if (!status.is_ok()) return fail(status.message());
  server.run();
  std::cout << "listening on " << bound << "\n" << "listening on " << admin_bound << std::endl;
  std::cerr << "coupond: data plane on " << bound << ", admin port on " << admin_bound << ", "
            << flags.threads << " threads\n";
  server.run_until_signal(std::chrono::seconds(10));
  std::cerr << "coupond: stopped\n";
  return 0;
}
