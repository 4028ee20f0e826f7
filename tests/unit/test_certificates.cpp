// Certificates: reading PEM files, bundles and DER; the subject's one-line form; the
// subject glob against the CN and the whole line; removing blocks from a bundle.
#include <doctest/doctest.h>

#include "cert_test_util.hpp"
#include "excise/bytes.hpp"
#include "kinds/certificate.hpp"
#include "system/certificates.hpp"
#include "system/elf.hpp"

using namespace excise;
using cert_test::make_cert;

namespace {

const cert_test::TestCert& acme() {
  static const auto c = make_cert({{"C", "US"}, {"O", "Acme Ltd"}, {"CN", "Acme Root CA"}});
  return c;
}
const cert_test::TestCert& decoy() {
  static const auto c =
      make_cert({{"C", "US"}, {"O", "Acme Ltd"}, {"CN", "Acme Roots Unrelated CA"}});
  return c;
}
const cert_test::TestCert& other() {
  static const auto c =
      make_cert({{"C", "BE"}, {"O", "GlobalTrust nv-sa"}, {"CN", "GlobalTrust Root CA"}});
  return c;
}

sys::Certificate only(std::string_view bytes) {
  const auto file = sys::read_certificates(bytes);
  REQUIRE(file.certificates.size() == 1);
  return file.certificates.front();
}

}  // namespace

TEST_CASE("certificates: a PEM file and a DER file give the same certificate") {
  const auto pem = only(acme().pem);
  const auto der = only(acme().der);
  CHECK(pem.subject == "CN=Acme Root CA,O=Acme Ltd,C=US");
  CHECK(pem.common_names == std::vector<std::string>{"Acme Root CA"});
  CHECK(pem.sha256 == sha256_hex(acme().der));
  CHECK(der.subject == pem.subject);
  CHECK(der.sha256 == pem.sha256);
  CHECK((pem.begin == 0 && pem.end == acme().pem.size()));
  CHECK((der.begin == 0 && der.end == acme().der.size()));
}

TEST_CASE("certificates: the subject line is RFC 2253, specials escaped, UTF-8 kept as is") {
  const auto c = only(make_cert({{"C", "CN"},
                                 {"O", "Acme, Inc. + \"Friends\""},
                                 {"OU", "#1 team "},
                                 {"CN", "Acme 根证书 CA"},
                                 {"CN", "second"}})
                          .pem);
  CHECK(c.subject ==
        "CN=second,CN=Acme 根证书 CA,OU=\\#1 team\\ ,O=Acme\\, Inc. \\+ \\\"Friends\\\",C=CN");
  CHECK(c.common_names == std::vector<std::string>{"Acme 根证书 CA", "second"});
  const auto no_cn = only(make_cert({{"O", "Nameless"}}).pem);
  CHECK(no_cn.subject == "O=Nameless");
  CHECK(no_cn.common_names.empty());
}

TEST_CASE("certificates: a bundle, with text around blocks, CRLF, other PEM types and damage") {
  const std::string key_block = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  std::string crlf = other().pem;
  for (std::size_t at = 0; (at = crlf.find('\n', at)) != std::string::npos; at += 2)
    crlf.replace(at, 1, "\r\n");
  const std::string damaged =
      "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
  const std::string bundle =
      "# Acme\n" + acme().pem + key_block + "subject=x\n" + decoy().pem + damaged + crlf;
  const auto file = sys::read_certificates(bundle);
  REQUIRE(file.certificates.size() == 3);
  CHECK(file.unreadable == 1);
  CHECK(file.certificates[0].common_names.front() == "Acme Root CA");
  CHECK(file.certificates[1].common_names.front() == "Acme Roots Unrelated CA");
  CHECK(file.certificates[2].common_names.front() == "GlobalTrust Root CA");
  CHECK(bundle.substr(file.certificates[0].begin,
                      file.certificates[0].end - file.certificates[0].begin) == acme().pem);
  CHECK(bundle.substr(file.certificates[2].begin) == crlf);

  // A block that does not start a line is not one; neither are garbage and empty files.
  CHECK(sys::read_certificates("x" + acme().pem).certificates.empty());
  CHECK(sys::read_certificates("").certificates.empty());
  CHECK(sys::read_certificates("hello\n").certificates.empty());
  CHECK(sys::read_certificates(acme().der + "x").certificates.empty());  // trailing bytes
}

TEST_CASE("certificates: TRUSTED CERTIFICATE blocks (OpenSSL's trust format) are read") {
  X509* x = nullptr;
  {
    BIO* in = BIO_new_mem_buf(acme().pem.data(), static_cast<int>(acme().pem.size()));
    x = PEM_read_bio_X509(in, nullptr, nullptr, nullptr);
    BIO_free(in);
  }
  REQUIRE(x != nullptr);
  X509_add1_trust_object(x, OBJ_nid2obj(NID_server_auth));
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_AUX(out, x);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out, &data);
  const std::string trusted(data, static_cast<std::size_t>(size));
  BIO_free(out);
  X509_free(x);
  CHECK(trusted.starts_with("-----BEGIN TRUSTED CERTIFICATE-----"));
  const auto c = only(trusted);
  CHECK(c.subject == "CN=Acme Root CA,O=Acme Ltd,C=US");
  CHECK(c.sha256 == sha256_hex(acme().der));
}

TEST_CASE("certificates: the subject glob matches the CN or the whole subject line") {
  const auto a = only(acme().pem);
  const auto d = only(decoy().pem);
  const auto o = only(other().pem);
  struct Case {
    const char* glob;
    bool acme, decoy, other;
  };
  const Case cases[] = {
      {"Acme Root CA*", true, false, false},  // the PLAYBOOKS.md example: the CN
      {"Acme Root CA", true, false, false},
      {"Acme Root*", true, true, false},                        // "Roots" too: the glob says so
      {"CN=Acme Root CA,O=Acme Ltd,C=US", true, false, false},  // the whole line
      {"CN=Acme Root CA,*", true, false, false},
      {"*,O=Acme Ltd,*", true, true, false},  // an attribute inside the line
      {"*O=Acme*", true, true, false},
      {"acme root ca*", false, false, false},  // bytes: case matters
      {"Root CA", false, false, false},        // whole values only, no substring search
      {"*Root CA", true, false, true},
      {"O=Acme Ltd", false, false, false},  // not a CN, and not the whole line
      {"C=US", false, false, false},
      {"CN=Acme Root CA", false, false, false},  // the CN value has no "CN="
      {"*Unrelated*", false, true, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.glob);
    CHECK(certificate_matches(c.glob, a) == c.acme);
    CHECK(certificate_matches(c.glob, d) == c.decoy);
    CHECK(certificate_matches(c.glob, o) == c.other);
  }
  // A second CN counts as much as the first.
  const auto two = only(make_cert({{"CN", "Vendor Intermediate"}, {"CN", "Acme Root CA 2"}}).pem);
  CHECK(certificate_matches("Acme Root CA*", two));
  CHECK(certificate_matches("Vendor*", two));
}

TEST_CASE("certificates: removing blocks from a bundle keeps every other byte") {
  const std::string head = "# bundle\n";
  const std::string bundle = head + acme().pem + decoy().pem + "between\n" + other().pem;
  const std::string acme_sha = sha256_hex(acme().der);
  const std::string other_sha = sha256_hex(other().der);

  auto edit = sys::remove_certificates(bundle, {acme_sha});
  CHECK(edit.removed == 1);
  CHECK(edit.text == head + decoy().pem + "between\n" + other().pem);

  edit = sys::remove_certificates(bundle, {acme_sha, other_sha});
  CHECK(edit.removed == 2);
  CHECK(edit.text == head + decoy().pem + "between\n");

  edit = sys::remove_certificates(bundle, {"0000"});
  CHECK(edit.removed == 0);
  CHECK(edit.text == bundle);

  // The last block without its final newline: the block goes up to its END line.
  std::string unterminated = acme().pem;
  unterminated.pop_back();
  edit = sys::remove_certificates(decoy().pem + unterminated, {acme_sha});
  CHECK(edit.removed == 1);
  CHECK(edit.text == decoy().pem);

  // Twice the same certificate: both copies go.
  edit = sys::remove_certificates(acme().pem + other().pem + acme().pem, {acme_sha});
  CHECK(edit.removed == 2);
  CHECK(edit.text == other().pem);
}

TEST_CASE("elf: the machine of an ELF header, and of this program") {
  std::string header(20, '\0');
  header.replace(0, 4,
                 "\x7f"
                 "ELF");
  header[5] = 1;    // little-endian
  header[18] = 62;  // EM_X86_64
  CHECK(sys::elf_machine(header) == 62);
  header[5] = 2;  // big-endian
  header[18] = 0;
  header[19] = 22;  // EM_S390
  CHECK(sys::elf_machine(header) == 22);
  CHECK_FALSE(sys::elf_machine("#!/bin/sh\nexit 0\n....").has_value());
  CHECK_FALSE(sys::elf_machine("\x7f"
                               "ELF")
                  .has_value());
  CHECK(sys::own_elf_machine().has_value());
}
