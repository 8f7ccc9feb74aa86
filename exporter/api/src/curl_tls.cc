#include "curl_tls.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <ctime>
#include <memory>
#include <utility>

namespace vb365::curl_tls {
namespace {

std::string Sha256Fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return "";
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    if (i > 0) out.push_back(':');
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

std::string NameText(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()),
                                                &BIO_free);
  if (bio == nullptr || name == nullptr) return "";
  X509_NAME_print_ex(bio.get(), name, 0,
                     XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : "";
}

std::string TimeText(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return "";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void Record(X509* leaf, const std::string& sha256, PeerCertificate* out) {
  out->subject = NameText(X509_get_subject_name(leaf));
  out->issuer = NameText(X509_get_issuer_name(leaf));
  out->not_before = TimeText(X509_get0_notBefore(leaf));
  out->not_after = TimeText(X509_get0_notAfter(leaf));
  out->expired = X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0;
  out->not_yet_valid = X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0;
  out->sha256 = sha256;
}

// OpenSSL's certificate verification for the whole handshake, replaced:
// with a CA the usual chain verification first (so an untrusted chain reads
// as before), then the leaf's fingerprint. Returning 0 aborts the handshake,
// before any request byte is written.
int VerifyLeaf(X509_STORE_CTX* store, void* arg) {
  auto* check = static_cast<LeafCheck*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (leaf == nullptr) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_UNSPECIFIED);
    return 0;
  }
  check->saw_leaf = true;
  check->presented = Sha256Fingerprint(leaf);
  if (check->record != nullptr) Record(leaf, check->presented, check->record);
  if (check->accept_any) return 1;
  if (check->verify_chain && X509_verify_cert(store) <= 0) return 0;
  if (!check->pin.empty() && check->presented != check->pin) {
    check->mismatch = true;
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  return 1;
}

CURLcode OnSslContext(CURL*, void* ssl_ctx, void* user) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  // libcurl set SSL_VERIFY_NONE when it does not verify the chain itself (a
  // pin without a CA); the handshake must still fail when VerifyLeaf says no.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, &VerifyLeaf, user);
  // A renegotiation would verify again in a later transfer, after `user`
  // (this transfer's LeafCheck) is gone.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  return CURLE_OK;
}

}  // namespace

CURLcode Apply(CURL* curl, const TlsConfig& tls, LeafCheck* check) {
  const bool pinned = !tls.server_certificate_sha256.empty();
  check->pin = tls.server_certificate_sha256;
  // With a pin and no CA the pin replaces both the chain and the name
  // check: it names the one certificate to accept. Whenever libcurl
  // verifies, VerifyLeaf must run OpenSSL's chain verification too (it
  // replaces it), or libcurl would see X509_V_OK for an unchecked chain.
  const bool verify = !tls.insecure_skip_verify && !check->accept_any &&
                      (!pinned || !tls.ca_file.empty());
  check->verify_chain = verify;
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
  if (verify && !tls.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, tls.ca_file.c_str());
  }
  const long version = tls.min_version == TlsVersion::kTls13
                           ? CURL_SSLVERSION_TLSv1_3
                           : CURL_SSLVERSION_TLSv1_2;
  if (CURLcode c = curl_easy_setopt(curl, CURLOPT_SSLVERSION, version);
      c != CURLE_OK) {
    return c;
  }
  if (!pinned && check->record == nullptr && !check->accept_any) {
    return CURLE_OK;
  }
  if (CURLcode c =
          curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, &OnSslContext);
      c != CURLE_OK) {
    return c;  // not the OpenSSL backend: never send unpinned
  }
  return curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, check);
}

std::string PinMismatchMessage(const LeafCheck& check) {
  return "certificate pin mismatch: server presented SHA256 " +
         check.presented + " (tls.server_certificate_sha256 is " + check.pin +
         ")";
}

ServerNameRoute::ServerNameRoute(const std::string& origin,
                                 const std::string& server_name) {
  const size_t sep = origin.find("://");
  if (server_name.empty() || sep == std::string::npos) return;
  const std::string scheme = origin.substr(0, sep);
  const size_t start = sep + 3;
  const size_t end = origin.find('/', start);
  const std::string authority = origin.substr(
      start, end == std::string::npos ? std::string::npos : end - start);
  std::string host = authority;
  std::string port = scheme == "http" ? "80" : "443";
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos &&
      authority.find(']', colon) == std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  origin_ = scheme + "://" + authority;
  replacement_ = scheme + "://" + server_name + ":" + port;
  const std::string entry = server_name + ":" + port + ":" + host + ":" + port;
  connect_to_ = curl_slist_append(nullptr, entry.c_str());
}

ServerNameRoute::~ServerNameRoute() { curl_slist_free_all(connect_to_); }

ServerNameRoute::ServerNameRoute(ServerNameRoute&& other) noexcept
    : origin_(std::move(other.origin_)),
      replacement_(std::move(other.replacement_)),
      connect_to_(std::exchange(other.connect_to_, nullptr)) {}

ServerNameRoute& ServerNameRoute::operator=(ServerNameRoute&& other) noexcept {
  if (this != &other) {
    curl_slist_free_all(connect_to_);
    origin_ = std::move(other.origin_);
    replacement_ = std::move(other.replacement_);
    connect_to_ = std::exchange(other.connect_to_, nullptr);
  }
  return *this;
}

std::string ServerNameRoute::Apply(CURL* curl, const std::string& url) const {
  if (connect_to_ == nullptr || url.compare(0, origin_.size(), origin_) != 0 ||
      (url.size() > origin_.size() && url[origin_.size()] != '/' &&
       url[origin_.size()] != '?')) {
    return url;
  }
  curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to_);
  return replacement_ + url.substr(origin_.size());
}

}  // namespace vb365::curl_tls
