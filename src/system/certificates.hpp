// X.509 certificates as trust stores hold them: files of PEM blocks (one certificate,
// or a bundle such as Debian's /etc/ssl/certs/ca-certificates.crt) or one DER
// certificate. Parsed with OpenSSL's libcrypto; pure functions over bytes.
//
// The subject is given in ONE stable form, RFC 2253 (as RFC 4514): the most specific
// attribute first, short names, ',' between attributes and '+' inside a multi-valued one,
// the RFC 2253 specials escaped with '\' (, + " \ < > ; a leading '#' or space, a
// trailing space), control characters as \XX, and every other character as UTF-8 (not
// \XX-escaped): "CN=Acme Root CA,O=Acme Ltd,C=US". It is what
// `openssl x509 -noout -subject -nameopt RFC2253,-esc_msb` prints after "subject=".
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace excise::sys {

struct Certificate {
  std::string subject;                    // the RFC 2253 form above
  std::vector<std::string> common_names;  // each CN value, UTF-8, unescaped, in order
  std::string sha256;                     // hex SHA-256 of the DER: the certificate's identity
  // Where it is in the bytes read: a PEM block from the start of its BEGIN line to just
  // after the newline that ends its END line; a DER file is the whole of it.
  std::size_t begin = 0;
  std::size_t end = 0;
};

struct CertificateFile {
  std::vector<Certificate> certificates;  // in file order
  std::size_t unreadable = 0;             // certificate PEM blocks OpenSSL could not decode
};

// PEM blocks labelled CERTIFICATE, X509 CERTIFICATE or TRUSTED CERTIFICATE, anywhere in
// the bytes (text around them is ignored, as OpenSSL ignores it); without any "-----BEGIN",
// the bytes as one DER certificate. Anything else gives an empty result.
CertificateFile read_certificates(std::string_view bytes);

struct BundleEdit {
  std::string text;         // the bundle without the removed blocks
  std::size_t removed = 0;  // blocks removed
};

// The bundle without the PEM blocks of the certificates whose sha256 is in `remove`;
// every other byte is kept, in order.
BundleEdit remove_certificates(std::string_view bundle, const std::set<std::string>& remove);

}  // namespace excise::sys
