#include "system/certificates.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>

#include "excise/bytes.hpp"

namespace excise::sys {
namespace {

struct FreeX509 {
  void operator()(X509* x) const { X509_free(x); }
};
struct FreeBio {
  void operator()(BIO* b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, FreeX509>;
using BioPtr = std::unique_ptr<BIO, FreeBio>;

// RFC 2253 without \XX escapes of non-ASCII bytes: UTF-8 names stay readable and a
// playbook can match them as written.
constexpr unsigned long kSubjectFlags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;

std::string subject_line(X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, kSubjectFlags) < 0) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::vector<std::string> common_names(X509_NAME* name) {
  std::vector<std::string> out;
  for (int i = -1; (i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0;) {
    ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    const int size = ASN1_STRING_to_UTF8(&utf8, value);
    if (size >= 0)
      out.emplace_back(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(size));
    OPENSSL_free(utf8);
  }
  return out;
}

std::optional<Certificate> describe(X509* x) {
  unsigned char* der = nullptr;
  const int size = i2d_X509(x, &der);
  if (size <= 0) return std::nullopt;
  Certificate c;
  c.sha256 = sha256_hex(
      std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size)));
  OPENSSL_free(der);
  X509_NAME* name = X509_get_subject_name(x);
  c.subject = subject_line(name);
  c.common_names = common_names(name);
  return c;
}

bool is_certificate_label(std::string_view label) {
  return label == "CERTIFICATE" || label == "X509 CERTIFICATE" || label == "TRUSTED CERTIFICATE";
}

// One PEM block's text to a certificate; TRUSTED CERTIFICATE carries trust settings
// after the certificate, which the _AUX reader accepts.
X509Ptr decode_pem(std::string_view block, bool trusted) {
  BioPtr bio(BIO_new_mem_buf(block.data(), static_cast<int>(block.size())));
  if (!bio) return nullptr;
  X509* x = trusted ? PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr)
                    : PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  return X509Ptr(x);
}

X509Ptr decode_der(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* const start = p;
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(bytes.size())));
  if (x && static_cast<std::size_t>(p - start) != bytes.size()) return nullptr;  // trailing bytes
  return x;
}

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kDashes = "-----";

// Just after the line break (\n or \r\n) at `pos`, or `pos` when there is none.
std::size_t after_line_break(std::string_view text, std::size_t pos) {
  if (pos < text.size() && text[pos] == '\r') ++pos;
  if (pos < text.size() && text[pos] == '\n') ++pos;
  return pos;
}

}  // namespace

CertificateFile read_certificates(std::string_view bytes) {
  CertificateFile out;
  if (bytes.find(kBegin) == std::string_view::npos) {
    if (X509Ptr x = decode_der(bytes)) {
      if (auto c = describe(x.get())) {
        c->begin = 0;
        c->end = bytes.size();
        out.certificates.push_back(std::move(*c));
      }
    }
    ERR_clear_error();
    return out;
  }
  std::size_t pos = 0;
  while ((pos = bytes.find(kBegin, pos)) != std::string_view::npos) {
    // A block starts a line: text before it on the same line is not PEM.
    if (pos > 0 && bytes[pos - 1] != '\n') {
      pos += kBegin.size();
      continue;
    }
    const std::size_t label_at = pos + kBegin.size();
    const std::size_t label_end = bytes.find(kDashes, label_at);
    if (label_end == std::string_view::npos) break;
    const std::string_view label = bytes.substr(label_at, label_end - label_at);
    const std::string end_marker = "-----END " + std::string(label) + "-----";
    const std::size_t end_at = bytes.find(end_marker, label_end);
    if (end_at == std::string_view::npos) break;
    const std::size_t block_end = after_line_break(bytes, end_at + end_marker.size());
    if (is_certificate_label(label)) {
      const std::string_view block = bytes.substr(pos, block_end - pos);
      X509Ptr x = decode_pem(block, label == "TRUSTED CERTIFICATE");
      std::optional<Certificate> c = x ? describe(x.get()) : std::nullopt;
      if (c) {
        c->begin = pos;
        c->end = block_end;
        out.certificates.push_back(std::move(*c));
      } else {
        ++out.unreadable;
      }
    }
    pos = block_end;
  }
  ERR_clear_error();
  return out;
}

BundleEdit remove_certificates(std::string_view bundle, const std::set<std::string>& remove) {
  BundleEdit out;
  std::size_t kept_from = 0;
  for (const auto& c : read_certificates(bundle).certificates) {
    if (!remove.count(c.sha256)) continue;
    out.text.append(bundle.substr(kept_from, c.begin - kept_from));
    kept_from = c.end;
    ++out.removed;
  }
  out.text.append(bundle.substr(kept_from));
  return out;
}

}  // namespace excise::sys
