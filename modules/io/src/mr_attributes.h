#pragma once
// MR details of one header that live in vendor-private places: Siemens mosaics
// (CSA image header, (0019,xx0A)), diffusion b-values and gradients of Siemens,
// GE and Philips, and the standard MR attributes medpipe writes into BIDS
// sidecars.
#include <gdcmDataSet.h>

#include "medpipe/io/dicom_header.h"

namespace medpipe {

// Fills h's MR fields from the data set; called after the geometry fields are
// read (GE gradients are given in image axes and are turned into patient axes
// here). Never throws for private data medpipe cannot interpret: a mosaic that
// cannot be split gets h.pixelDataProblem instead.
void readMrAttributes(const gdcm::DataSet& dataSet, bool bigEndian, DicomHeader& h);

// Philips' private scale slope (2005,xx0E), at the top level (classic objects) or in the Philips
// sequence (2005,xx0F) of a functional group (enhanced objects); nullopt where absent or zero.
std::optional<double> philipsScaleSlope(const gdcm::DataSet& dataSet, bool bigEndian);

// Reads the diffusion encoding of one MRDiffusionSequence (0018,9117) item of
// an enhanced object.
void readDiffusionItem(const gdcm::DataSet& item, bool bigEndian, std::optional<double>& bValue,
                       std::optional<std::array<double, 3>>& gradient);

}  // namespace medpipe
