// couponctl: the operators' client for coupond's admin port. Every admin call of the API, with
// readable tables (or --json for scripts), progress on long transfers, and a non-zero exit with
// the server's message when a call fails. Here: the options, the usage and which command runs;
// the commands themselves are in commands.h.
#include <unistd.h>

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <iostream>

#include "commands.h"
#include "haproxy_config.h"

namespace {

using namespace coupond::ctl;

constexpr const char* usage =
    "couponctl: the admin client of coupond\n\n"
    "Usage: couponctl [options] COMMAND [ARGS]\n\n"
    "Commands:\n"
    "  batch create FILE.json          create a batch from its JSON definition\n"
    "       [--code-format F]          ... with code.format F (standard, or compact: 16-character\n"
    "                                  codes for typing, at most 65536 a batch)\n"
    "  batch list                      list the batches\n"
    "  batch show ID                   show one batch\n"
    "  batch update ID --set F=V ...   change a live batch: each F=V sets one field (a dotted\n"
    "                                  F reaches into an object: scope.channels); V is read as\n"
    "                                  JSON when it is (3, null, [\"app\"]), else as a string\n"
    "  batch update ID FILE.json       change a live batch by a JSON merge patch\n"
    "  generate ID --count N           generate N codes; CSV on standard output\n"
    "  generate ID --customers FILE    one code per 'customer[,segment]' line of FILE\n"
    "  import ID FILE.csv              import codes made elsewhere (code[,customer[,segment]])\n"
    "  revoke ID                       revoke a whole batch\n"
    "  revoke-code CODE                revoke one coupon\n"
    "  stats ID                        a batch's campaign figures\n"
    "  report                          every batch side by side: issued, redeemed, discount,\n"
    "                                  revenue per unit of discount\n"
    "  redemptions ID                  a batch's redemptions; CSV on standard output\n"
    "  unused ID [--expiring-within S] its customer-bound codes with uses left (that expire\n"
    "                                  within S seconds); CSV customer,code,valid_until\n"
    "  snapshot                        write a snapshot now\n"
    "  cluster haproxy-config          print an HAProxy configuration routing the data plane by\n"
    "       --partition NAME=HOST:PORT[,HOST:PORT...] ...  code to each partition's nodes\n"
    "       [--bind HOST:PORT]         (docs/routing.md); needs no admin port or token\n"
    "  cluster status                  this node's partition, role, leader and standbys\n"
    "  cluster switchover              on the primary: hand the partition to a caught-up standby\n"
    "  cluster add-partition NAME      print the commands to start a new partition's nodes and\n"
    "       --nodes HOST:PORT,...      the router's configuration with it (the others given by\n"
    "       [--partition ...] [--etcd URLS]  --partition); needs no admin port or token\n";

// Works offline: the configuration is made from the command line alone.
int print_haproxy_config(const po::variables_map& options) {
  coupond::ctl::RouterSpec spec;
  if (options.count("partition")) {
    spec.partitions = options["partition"].as<std::vector<std::string>>();
  }
  spec.bind = options["bind"].as<std::string>();
  std::string config, error;
  if (!coupond::ctl::write_haproxy_config(spec, &config, &error)) return fail(error);
  std::cout << config;
  return 0;
}

int run(const Context& context, const std::vector<std::string>& words,
        const po::variables_map& options) {
  const std::string command = words.empty() ? "" : words[0];
  const std::size_t count = words.size();
  if (command == "batch" && count == 3 && words[1] == "create") {
    return create_batch(context, words[2], options);
  }
  if (command == "batch" && (count == 3 || count == 4) && words[1] == "update") {
    return update_batch(context, words, options);
  }
  if (command == "batch" && count == 2 && words[1] == "list") return list_batches(context);
  if (command == "batch" && count == 3 && words[1] == "show") return show_batch(context, words[2]);
  if (command == "generate" && count == 2) return generate(context, words[1], options);
  if (command == "import" && count == 3) return import(context, words[1], words[2]);
  if (command == "revoke" && count == 2) return revoke_batch(context, words[1]);
  if (command == "revoke-code" && count == 2) return revoke_code(context, words[1]);
  if (command == "stats" && count == 2) return show_stats(context, words[1]);
  if (command == "report" && count == 1) return show_report(context);
  if (command == "redemptions" && count == 2) return download_redemptions(context, words[1]);
  if (command == "unused" && count == 2) return download_unused(context, words[1], options);
  if (command == "snapshot" && count == 1) return take_snapshot(context);
  if (command == "cluster" && count == 2 && words[1] == "status") return show_cluster(context);
  if (command == "cluster" && count == 2 && words[1] == "switchover") return switch_over(context);
  std::cerr << "couponctl: unknown command\n\n" << usage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help")(
      "admin", po::value<std::string>()->default_value("http://127.0.0.1:8081"),
      "the admin port's URL, http:// or https://")(
      "token-file", po::value<std::string>(),
      "file holding the admin token (coupond's DATA_DIR/admin-token)")(
      "cacert", po::value<std::string>(),
      "https: trust the certificates of this PEM file (a private CA, or the server's self-signed "
      "certificate) instead of the system's")(
      "insecure", "https: do not check the server's certificate; for testing only")(
      "json", "print the server's JSON answers as they are, for scripts")(
      "count", po::value<std::int64_t>(), "generate: how many codes")(
      "code-format", po::value<std::string>(),
      "batch create: the codes' format, standard or compact (sets code.format)")(
      "customers", po::value<std::string>(), "generate: a file of customer[,segment] lines")(
      "expiring-within", po::value<std::int64_t>(),
      "unused: only if the batch's codes expire within this many seconds")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "batch update: field=value, once per field changed")(
      "partition", po::value<std::vector<std::string>>()->composing(),
      "cluster haproxy-config, add-partition: NAME=HOST:PORT[,HOST:PORT...], once per partition")(
      "nodes", po::value<std::string>(),
      "cluster add-partition: the new partition's data-plane addresses, HOST:PORT[,HOST:PORT...]")(
      "etcd", po::value<std::string>()->default_value("http://127.0.0.1:2379"),
      "cluster add-partition: etcd's client URLs, as coupond's --etcd takes them")(
      "bind", po::value<std::string>()->default_value("0.0.0.0:8080"),
      "cluster haproxy-config, add-partition: the router's address")(
      "command", po::value<std::vector<std::string>>(), "the command and its arguments");
  po::positional_options_description positional;
  positional.add("command", -1);
  po::variables_map arguments;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(),
              arguments);
    po::notify(arguments);
  } catch (const po::error& error) {
    std::cerr << "couponctl: " << error.what() << "\n\n" << usage << "\n" << options;
    return 2;
  }
  if (arguments.count("help") || !arguments.count("command")) {
    std::cout << usage << "\n" << options;
    return arguments.count("help") ? 0 : 2;
  }
  const auto& words = arguments["command"].as<std::vector<std::string>>();
  if (words.size() == 2 && words[0] == "cluster" && words[1] == "haproxy-config") {
    return print_haproxy_config(arguments);
  }
  if (words.size() == 3 && words[0] == "cluster" && words[1] == "add-partition") {
    return add_partition(words[2], arguments);
  }
  Context context;
  if (!coupond::ctl::parse_admin_url(arguments["admin"].as<std::string>(), &context.endpoint)) {
    return fail("--admin must look like http://127.0.0.1:8081 or https://127.0.0.1:8081");
  }
  if ((arguments.count("cacert") || arguments.count("insecure")) && !context.endpoint.tls) {
    return fail("--cacert and --insecure are for an https:// --admin");
  }
  if (arguments.count("cacert")) context.endpoint.ca_file = arguments["cacert"].as<std::string>();
  context.endpoint.verify_certificate = arguments.count("insecure") == 0;
  if (!arguments.count("token-file")) return fail("--token-file is required");
  std::string token;
  if (!read_file(arguments["token-file"].as<std::string>(), &token)) {
    return fail("cannot read " + arguments["token-file"].as<std::string>());
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  context.endpoint.token = token;
  context.json_output = arguments.count("json") > 0;
  context.show_progress = ::isatty(STDERR_FILENO) != 0;
  return run(context, words, arguments);
}
