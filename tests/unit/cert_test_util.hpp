// Certificates made at test time with libcrypto: self-signed, a P-256 key each, the
// subject given attribute by attribute (most general first, as `openssl req -subj` takes it).
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cert_test {

struct TestCert {
  std::string pem;
  std::string der;
};

using Subject = std::vector<std::pair<std::string, std::string>>;  // ("CN", "Acme Root CA")

inline TestCert make_cert(const Subject& subject) {
  static long serial = 1;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  if (key == nullptr || x == nullptr) throw std::runtime_error("libcrypto: no key or certificate");
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
  X509_NAME* name = X509_get_subject_name(x);
  for (const auto& [field, value] : subject) {
    if (!X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                    0))
      throw std::runtime_error("libcrypto: bad subject field " + field);
  }
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key);
  if (X509_sign(x, key, EVP_sha256()) == 0) throw std::runtime_error("libcrypto: sign failed");
  TestCert out;
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  out.pem.assign(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  unsigned char* der = nullptr;
  const int der_size = i2d_X509(x, &der);
  out.der.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(der_size));
  OPENSSL_free(der);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

}  // namespace cert_test
