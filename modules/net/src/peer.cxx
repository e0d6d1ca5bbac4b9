#include "medpipe/net/peer.h"

#include <yaml-cpp/yaml.h>

#include "medpipe/core/error.h"

namespace medpipe::net {

std::string Peer::describe() const { return aet + "@" + host + ":" + std::to_string(port); }

void checkAeTitle(const std::string& aet, const std::string& field) {
  if (aet.empty() || aet.size() > 16)
    throw Error("", field, "AE title '" + aet + "' must have 1 to 16 characters");
  bool blank = true;
  for (const char c : aet) {
    if (c < 0x20 || c > 0x7e || c == '\\')
      throw Error("", field, "AE title '" + aet + "' may only hold printable ASCII without backslash");
    if (c != ' ') blank = false;
  }
  if (blank) throw Error("", field, "AE title must not be all spaces");
}

namespace {
uint16_t parsePort(const std::string& text, const std::string& path, const std::string& field) {
  size_t used = 0;
  long value = -1;
  try {
    value = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || value < 1 || value > 65535)
    throw Error(path, field, "port '" + text + "' is not a number from 1 to 65535");
  return static_cast<uint16_t>(value);
}
}  // namespace

Peer parsePeerAddress(const std::string& text) {
  const size_t at = text.find('@');
  const size_t colon = text.rfind(':');
  if (at == std::string::npos || colon == std::string::npos || colon < at || at == 0 || colon == at + 1)
    throw Error("", "peer", "'" + text + "' is neither a peer of the peers config nor AET@HOST:PORT");
  Peer peer;
  peer.name = text;
  peer.aet = text.substr(0, at);
  peer.host = text.substr(at + 1, colon - at - 1);
  peer.port = parsePort(text.substr(colon + 1), "", "peer");
  checkAeTitle(peer.aet, "peer");
  return peer;
}

PeersConfig loadPeersConfig(const std::filesystem::path& file) {
  const std::string path = file.string();
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Error(path, "", "cannot read the peers config");
  } catch (const YAML::Exception& e) {
    throw Error(path, "", "not valid YAML: " + std::string(e.what()));
  }
  PeersConfig config;
  if (!root.IsMap()) throw Error(path, "", "the peers config must be a mapping with `peers:`");
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    if (key != "aet" && key != "peers") throw Error(path, key, "unknown key (allowed: aet, peers)");
  }
  if (root["aet"]) {
    config.ourAet = root["aet"].as<std::string>();
    checkAeTitle(config.ourAet, "aet");
  }
  const YAML::Node peers = root["peers"];
  if (!peers || !peers.IsMap()) throw Error(path, "peers", "must be a mapping of peer names");
  for (const auto& entry : peers) {
    Peer peer;
    peer.name = entry.first.as<std::string>();
    const std::string base = "peers." + peer.name;
    const YAML::Node& node = entry.second;
    if (!node.IsMap()) throw Error(path, base, "must be a mapping (aet, host, port, tls, dicomweb)");
    for (const auto& field : node) {
      const std::string key = field.first.as<std::string>();
      if (key != "aet" && key != "host" && key != "port" && key != "tls" && key != "dicomweb")
        throw Error(path, base + "." + key, "unknown key (allowed: aet, host, port, tls, dicomweb)");
    }
    for (const char* required : {"aet", "host", "port"})
      if (!node[required]) throw Error(path, base + "." + required, "missing");
    peer.aet = node["aet"].as<std::string>();
    checkAeTitle(peer.aet, base + ".aet");
    peer.host = node["host"].as<std::string>();
    peer.port = parsePort(node["port"].as<std::string>(), path, base + ".port");
    if (node["dicomweb"]) peer.dicomweb = node["dicomweb"].as<std::string>();
    if (const YAML::Node tls = node["tls"]) {
      if (!tls.IsMap()) throw Error(path, base + ".tls", "must be a mapping (certificate, key, ca)");
      // Relative paths are relative to the peers file, so a config folder can be moved whole.
      const auto resolve = [&](const char* key) -> std::filesystem::path {
        if (!tls[key]) return {};
        std::filesystem::path p = tls[key].as<std::string>();
        return p.is_absolute() ? p : file.parent_path() / p;
      };
      for (const auto& field : tls) {
        const std::string key = field.first.as<std::string>();
        if (key != "certificate" && key != "key" && key != "ca")
          throw Error(path, base + ".tls." + key, "unknown key (allowed: certificate, key, ca)");
      }
      peer.tls = {resolve("certificate"), resolve("key"), resolve("ca")};
      if (peer.tls.certificate.empty() != peer.tls.privateKey.empty())
        throw Error(path, base + ".tls", "certificate and key go together");
      if (peer.tls.trustedCa.empty()) throw Error(path, base + ".tls.ca", "missing (the CA of the peer's certificate)");
    }
    config.peers[peer.name] = peer;
  }
  return config;
}

Peer resolvePeer(const std::string& text, const PeersConfig& config, const std::filesystem::path& configFile) {
  const auto it = config.peers.find(text);
  if (it != config.peers.end()) return it->second;
  if (text.find('@') != std::string::npos) return parsePeerAddress(text);
  std::string known;
  for (const auto& [name, peer] : config.peers) known += (known.empty() ? "" : ", ") + name;
  throw Error(configFile.string(), "peer",
              "no peer '" + text + "'" + (known.empty() ? std::string(" (no peers config given)") : " (known: " + known + ")") +
                  "; name a peer of the config or give AET@HOST:PORT");
}

}  // namespace medpipe::net
