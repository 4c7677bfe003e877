// The admin port over TLS, end to end: coupond started with --admin-tls-cert/--admin-tls-key
// answers HTTPS there (and nothing else), a client that speaks plain HTTP to it hurts no one,
// couponctl checks the server's certificate unless told not to, and bad TLS flags stop coupond at
// start. The certificates are made here with OpenSSL's C API, not its command line tool.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "http_client.h"
#include "server_process.h"

namespace coupond {
namespace {

using testing::http_request;
using testing::https_request;
using testing::raw_exchange;
using testing::run_coupond;
using testing::run_program;
using testing::ServerProcess;

constexpr const char* batch_definition = R"({
  "id": "tls-batch", "name": "Over TLS", "discount": {"type": "amount_off", "amount": 500},
  "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
  "code": {"prefix": "TLS"}})";

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  return static_cast<bool>(file);
}

bool add_extension(X509* certificate, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(certificate, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

bool write_pem_files(EVP_PKEY* key, X509* certificate, const std::string& certificate_file,
                     const std::string& key_file) {
  std::unique_ptr<BIO, decltype(&BIO_free)> key_out(BIO_new_file(key_file.c_str(), "w"), BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> certificate_out(
      BIO_new_file(certificate_file.c_str(), "w"), BIO_free);
  return key_out && certificate_out &&
         PEM_write_bio_PrivateKey(key_out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1 &&
         PEM_write_bio_X509(certificate_out.get(), certificate) == 1;
}

// A self-signed certificate for subject_alt_names ("IP:127.0.0.1,DNS:localhost") with an EC P-256
// key, valid from an hour ago for a day, written as PEM files. False when OpenSSL fails.
bool write_self_signed_certificate(const std::string& subject_alt_names,
                                   const std::string& certificate_file,
                                   const std::string& key_file) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(X509_new(), X509_free);
  if (!key || !certificate) return false;
  X509* made = certificate.get();
  X509_NAME* name = X509_get_subject_name(made);
  const auto common_name = reinterpret_cast<const unsigned char*>("coupond test");
  return X509_set_version(made, X509_VERSION_3) == 1 &&
         ASN1_INTEGER_set(X509_get_serialNumber(made), 1) == 1 &&
         X509_gmtime_adj(X509_getm_notBefore(made), -3600) != nullptr &&
         X509_gmtime_adj(X509_getm_notAfter(made), 24 * 3600) != nullptr &&
         X509_set_pubkey(made, key.get()) == 1 &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, common_name, -1, -1, 0) == 1 &&
         X509_set_issuer_name(made, name) == 1 &&
         add_extension(made, NID_subject_alt_name, subject_alt_names) &&
         X509_sign(made, key.get(), EVP_sha256()) > 0 &&
         write_pem_files(key.get(), made, certificate_file, key_file);
}

class AdminTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(write_self_signed_certificate("IP:127.0.0.1,DNS:localhost", certificate(), key()));
  }
  std::string file(const std::string& name) const { return (files.path() / name).string(); }
  std::string certificate() const { return file("cert.pem"); }
  std::string key() const { return file("key.pem"); }
  std::vector<std::string> tls_flags() const {
    return {"--admin-tls-cert", certificate(), "--admin-tls-key", key()};
  }
  int couponctl(const ServerProcess& server, std::vector<std::string> args, std::string* output) {
    std::vector<std::string> all = {"--admin",
                                    "https://127.0.0.1:" + std::to_string(server.admin_port()),
                                    "--token-file", (server.data_dir() / "admin-token").string()};
    all.insert(all.end(), args.begin(), args.end());
    output->clear();
    return run_program(COUPONCTL_BINARY, all, output);
  }

  testing::TemporaryDirectory files;
};

TEST_F(AdminTlsTest, AdminCallsAnswerOverHttps) {
  ServerProcess server(tls_flags());
  ASSERT_TRUE(server.started());
  EXPECT_EQ(https_request(server.admin_port(), certificate(), "GET", "/healthz").status, 200);
  const auto created = https_request(server.admin_port(), certificate(), "POST",
                                     "/admin/v1/batches", batch_definition, server.admin_token());
  EXPECT_EQ(created.status, 201) << created.body;
  const auto listed = https_request(server.admin_port(), certificate(), "GET", "/admin/v1/batches",
                                    "", server.admin_token());
  EXPECT_EQ(listed.status, 200);
  EXPECT_NE(listed.body.find("tls-batch"), std::string::npos) << listed.body;
  // TLS does not stand in for the token.
  EXPECT_EQ(https_request(server.admin_port(), certificate(), "GET", "/admin/v1/batches").status,
            401);
  // The data plane stays plain HTTP.
  EXPECT_EQ(http_request(server.data_port(), "GET", "/healthz").status, 200);
}

// The 401 from the head alone, over TLS: the client sends its 8 MiB body anyway (it reads only
// once it has written the whole request), the server reads and drops it, and the client reads
// the 401 instead of a broken connection.
TEST_F(AdminTlsTest, AnUploadWithoutTheTokenGets401OverHttps) {
  ServerProcess server(tls_flags());
  ASSERT_TRUE(server.started());
  const std::string body(8 << 20, 'x');
  EXPECT_EQ(https_request(server.admin_port(), certificate(), "POST",
                          "/admin/v1/batches/tls-batch/import", body, "wrong-token")
                .status,
            401);
  EXPECT_EQ(https_request(server.admin_port(), certificate(), "GET", "/healthz").status, 200);
}

TEST_F(AdminTlsTest, PlainHttpOnTheTlsPortGetsNoAnswerAndHurtsNoOne) {
  ServerProcess server(tls_flags());
  ASSERT_TRUE(server.started());
  const std::string reply =
      raw_exchange(server.admin_port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                   std::chrono::milliseconds(3000));
  EXPECT_EQ(reply.find("HTTP/"), std::string::npos) << reply;
  EXPECT_EQ(http_request(server.admin_port(), "GET", "/healthz").status, 0);
  // Everyone else is still served, and the server still stops gracefully.
  EXPECT_EQ(https_request(server.admin_port(), certificate(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http_request(server.data_port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(server.stop(), 0);
}

TEST_F(AdminTlsTest, CouponctlChecksTheCertificateUnlessToldNotTo) {
  ServerProcess server(tls_flags());
  ASSERT_TRUE(server.started());
  std::string output;
  EXPECT_EQ(couponctl(server, {"--cacert", certificate(), "batch", "list"}, &output), 0) << output;
  EXPECT_NE(output.find("ISSUED"), std::string::npos) << output;
  // Self-signed, so not in the system's trust store.
  EXPECT_NE(couponctl(server, {"batch", "list"}, &output), 0);
  EXPECT_NE(output.find("certificate verify failed"), std::string::npos) << output;
  EXPECT_EQ(couponctl(server, {"--insecure", "batch", "list"}, &output), 0) << output;
  EXPECT_NE(output.find("ISSUED"), std::string::npos) << output;
}

TEST_F(AdminTlsTest, CouponctlStreamsBodiesBothWaysOverHttps) {
  ServerProcess server(tls_flags());
  ASSERT_TRUE(server.started());
  const std::string definition = file("batch.json");
  const std::string csv = file("partner.csv");
  ASSERT_TRUE(write_text(definition, batch_definition));
  ASSERT_TRUE(write_text(csv, "PARTNER-1\nPARTNER-2,cust-1,vip\nbad!\n"));
  std::string output;
  ASSERT_EQ(couponctl(server, {"--cacert", certificate(), "batch", "create", definition}, &output),
            0)
      << output;
  // generate's answer is chunked; import's body is taken as it arrives.
  ASSERT_EQ(
      couponctl(server, {"--cacert", certificate(), "generate", "tls-batch", "--count", "3000"},
                &output),
      0)
      << output;
  EXPECT_NE(output.find("3000 codes generated"), std::string::npos) << output;
  ASSERT_EQ(couponctl(server, {"--cacert", certificate(), "import", "tls-batch", csv}, &output), 0)
      << output;
  EXPECT_NE(output.find("imported 2, duplicates 0, rejected 1"), std::string::npos) << output;
}

TEST_F(AdminTlsTest, ACertificateForAnotherHostIsRefusedEvenWhenTrusted) {
  const std::string other_certificate = file("other-cert.pem");
  const std::string other_key = file("other-key.pem");
  ASSERT_TRUE(write_self_signed_certificate("DNS:elsewhere.example", other_certificate, other_key));
  ServerProcess server({"--admin-tls-cert", other_certificate, "--admin-tls-key", other_key});
  ASSERT_TRUE(server.started());
  std::string output;
  EXPECT_NE(couponctl(server, {"--cacert", other_certificate, "batch", "list"}, &output), 0);
  EXPECT_NE(output.find("IP address mismatch"), std::string::npos) << output;
  EXPECT_EQ(https_request(server.admin_port(), other_certificate, "GET", "/healthz").status, 0);
}

TEST_F(AdminTlsTest, BadTlsFlagsStopCoupondAtStart) {
  const std::vector<std::string> base = {"--data-dir",  file("data"),     "--listen",
                                         "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"};
  auto coupond = [&](std::vector<std::string> flags, std::string* output) {
    flags.insert(flags.begin(), base.begin(), base.end());
    output->clear();
    return run_coupond(flags, output);
  };
  std::string output;
  const std::string missing = file("missing-cert.pem");
  EXPECT_EQ(coupond({"--admin-tls-cert", missing, "--admin-tls-key", key()}, &output), 1);
  EXPECT_NE(output.find(missing), std::string::npos) << output;
  // A key that is not the certificate's.
  const std::string other_key = file("other-key.pem");
  ASSERT_TRUE(write_self_signed_certificate("DNS:localhost", file("other-cert.pem"), other_key));
  EXPECT_EQ(coupond({"--admin-tls-cert", certificate(), "--admin-tls-key", other_key}, &output), 1);
  EXPECT_NE(output.find(other_key), std::string::npos) << output;
  EXPECT_EQ(coupond({"--admin-tls-cert", certificate()}, &output), 2);
  EXPECT_NE(output.find("--admin-tls-key"), std::string::npos) << output;
  EXPECT_EQ(coupond({"--admin-tls-key", key()}, &output), 2);
}

}  // namespace
}  // namespace coupond
