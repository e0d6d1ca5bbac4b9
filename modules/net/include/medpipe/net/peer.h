#pragma once
// A DICOM peer (AE title, host, port, TLS files, DICOMweb root) and where peers are named: the
// peers config file, or `AET@HOST:PORT` wherever a peer is expected.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace medpipe::net {

// Mutual TLS on an association (dcmtls): our certificate and key (PEM), and the CA that signs
// the peer's certificate. Empty certificate = no TLS.
struct TlsFiles {
  std::filesystem::path certificate, privateKey, trustedCa;
  bool enabled() const { return !certificate.empty() || !trustedCa.empty(); }
};

struct Peer {
  std::string name;  // the key in the peers config, or the AET@HOST:PORT text it was given as
  std::string aet;
  std::string host;
  uint16_t port = 0;
  TlsFiles tls;
  std::string dicomweb;  // DICOMweb root URL ("http://127.0.0.1:8042/dicom-web"); may be empty
  std::string describe() const;  // "ORTHANC@127.0.0.1:4242" (no PHI, used in messages and the audit log)
};

// AE titles: 1..16 characters of printable ASCII without backslash, not all spaces (PS3.5 AE).
// Throws medpipe::Error naming `field` otherwise.
void checkAeTitle(const std::string& aet, const std::string& field);

// "ORTHANC@127.0.0.1:4242" -> peer; throws medpipe::Error (field "peer") on anything else.
Peer parsePeerAddress(const std::string& text);

struct PeersConfig {
  std::string ourAet;  // `aet:` of the file; empty when absent
  std::map<std::string, Peer> peers;
};

// The YAML peers file (docs/pacs.md); throws medpipe::Error naming the file and key.
PeersConfig loadPeersConfig(const std::filesystem::path& file);

// A peer by name from `config`, or parsed from AET@HOST:PORT when `text` contains '@'.
Peer resolvePeer(const std::string& text, const PeersConfig& config, const std::filesystem::path& configFile);

}  // namespace medpipe::net
