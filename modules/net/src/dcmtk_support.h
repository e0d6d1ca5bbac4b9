#pragma once
// What the two DCMTK translation units (client and receiver) share. Only they include DCMTK.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "medpipe/net/peer.h"

class DcmTLSTransportLayer;
class DcmItem;

namespace medpipe::net::detail {

// Every transfer syntax DCMTK knows, our preferred (explicit little endian) first: a receiver
// accepts each instance in the syntax it is sent in.
const std::vector<std::string>& allTransferSyntaxes();

// The storage contexts proposed for C-GET (an association has at most 128): for the classes of
// volumes (CT, MR, PET, their enhanced forms, SEG) one context per common compressed syntax, so the
// peer can send each instance in the syntax it stores it in; for other classes one context with
// every syntax (the peer picks, and may convert).
struct StorageContext {
  std::string sopClass;
  std::vector<std::string> syntaxes;
};
const std::vector<StorageContext>& retrieveContexts();

// A TLS layer for mutual TLS (BCP 195 profile, peer certificate required); throws medpipe::Error
// naming `who` and the file when a certificate or key cannot be loaded.
struct TlsLayerDeleter {
  void operator()(DcmTLSTransportLayer* layer) const;
};
using TlsLayer = std::unique_ptr<DcmTLSTransportLayer, TlsLayerDeleter>;
TlsLayer makeTlsLayer(bool acceptor, const TlsFiles& tls, const std::string& who);

// A dataset's string value, "" when absent.
std::string stringOf(DcmItem& dataset, unsigned short group, unsigned short element);

}  // namespace medpipe::net::detail

namespace medpipe::net::detail {

// StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID of a DICOM file (header only); empty when unreadable.
struct InstanceUids {
  std::string study, series, sop;
};
InstanceUids readInstanceUids(const std::filesystem::path& file);

}  // namespace medpipe::net::detail
