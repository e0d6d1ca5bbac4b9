#pragma once
// What medpipe needs from one DICOM file's header, read without touching the pixel data.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace medpipe {

struct DicomHeader {
  std::filesystem::path path;
  // Size and modification time when the header was read: a volume reader checks the file again
  // (GDCM aborts on malformed input) only when either changed since.
  uintmax_t fileSize = 0;
  std::filesystem::file_time_type modified{};

  std::string sopClassUid;
  std::string sopInstanceUid;
  std::string studyInstanceUid;
  std::string seriesInstanceUid;
  std::string frameOfReferenceUid;
  std::string transferSyntaxUid;

  std::string modality;
  std::string studyDate;
  std::string studyDescription;
  std::string seriesDescription;
  std::string manufacturer;
  std::string imageType;
  int seriesNumber = 0;
  int instanceNumber = 0;
  int acquisitionNumber = 0;
  int echoNumber = 0;

  // Protected health information: kept in memory, printed only on request.
  std::string patientName;
  std::string patientId;

  unsigned rows = 0;
  unsigned columns = 0;
  unsigned numberOfFrames = 1;
  unsigned bitsAllocated = 0;
  unsigned bitsStored = 0;
  unsigned highBit = 0;  // (0028,0102); BitsStored - 1 where absent
  unsigned pixelRepresentation = 0;
  unsigned samplesPerPixel = 1;
  std::string photometricInterpretation;
  bool hasPixelData = false;
  // Why the pixels cannot be read although the header can (truncated pixel data, or a header GDCM's
  // image reader would abort on); the field names the attribute at fault.
  std::string pixelDataProblem;
  std::string pixelDataProblemField;
  // A deflated data set, or one that is implicit VR where the meta header declares explicit:
  // GDCM is given a corrected copy of such a file (DicomStreamLayout::needsCorrectedStream).
  bool needsCorrectedStream = false;
  // Uncompressed little-endian pixel data (implicit or explicit VR, as the meta header declares):
  // where its value starts in the file and how long it is, so it is read with one seek instead of
  // a second parse by GDCM. 0 and 0 for any other file, which GDCM decodes.
  uint64_t nativePixelDataOffset = 0;
  uint64_t nativePixelDataLength = 0;

  std::optional<std::array<double, 3>> imagePosition;     // (0020,0032), mm, LPS
  std::optional<std::array<double, 6>> imageOrientation;  // (0020,0037): row then column cosines
  std::optional<std::array<double, 2>> pixelSpacing;      // (0028,0030): row spacing, column spacing
  std::optional<std::array<double, 2>> imagerPixelSpacing;  // (0018,1164), projection radiography
  double estimatedMagnification = 0;  // (0018,1114) EstimatedRadiographicMagnificationFactor; 0 absent
  std::string viewPosition;           // (0018,5101): PA, AP, LL, ...
  bool geometryAssumed = false;  // set by buildSliceStack for a lone image without geometry
  double sliceThickness = 0;
  double rescaleSlope = 1;
  double rescaleIntercept = 0;

  // Acquisition parameters for sidecars; 0 where absent.
  double kvp = 0;
  double repetitionTime = 0;
  double echoTime = 0;
  double flipAngle = 0;
  double magneticFieldStrength = 0;
  double inversionTime = 0;          // ms
  double spacingBetweenSlices = 0;   // (0018,0088), mm
  double imagingFrequency = 0;       // MHz
  double pixelBandwidth = 0;         // Hz/pixel
  std::string manufacturerModel, protocolName, sequenceName, scanningSequence, sequenceVariant;
  std::string mrAcquisitionType, patientPosition, softwareVersions, bodyPart;
  std::string inPlanePhaseEncoding;  // (0018,1312): ROW or COL
  int phaseEncodingPositive = -1;    // Siemens CSA PhaseEncodingDirectionPositive: 1, 0; -1 unknown

  // Siemens MOSAIC (ImageType contains MOSAIC): several slices tiled into one stored image. Read
  // from the CSA image header (modules/io/src/mr_attributes.cxx); a mosaic whose tiles cannot be
  // found carries the reason in pixelDataProblem, so it fails with it instead of reading as one slice.
  bool mosaic = false;
  unsigned mosaicTiles = 0;    // NumberOfImagesInMosaic
  unsigned tilesAcross = 0;    // the tile grid is tilesAcross x tilesAcross
  std::optional<std::array<double, 3>> csaSliceNormal;  // SliceNormalVector: the direction of tile order
  std::vector<double> mosaicSliceTimesMs;               // MosaicRefAcqTimes, one per tile
  // A tile taken out of a mosaic ("virtual slice", see expandMosaic): its index; rows and columns
  // are then the tile's, storedRows/storedColumns the mosaic's.
  int tileIndex = -1;
  unsigned storedRows = 0, storedColumns = 0;
  std::optional<double> sliceTimeMs;  // this slice's acquisition time within its volume

  // Diffusion encoding: b-value (s/mm^2) and the gradient direction in patient (LPS) coordinates,
  // whichever vendor's attributes held them (diffusionSource names them).
  std::optional<double> bValue;
  std::optional<std::array<double, 3>> diffusionGradient;
  std::string diffusionSource;

  // Enhanced MR frames: FrameType value 3 and ComplexImageComponent of the frame's MR Image Frame
  // Type, e.g. "FIELD_MAP_MAGNITUDE", "M_PHASE". Frames of different kinds go to different volumes.
  std::string frameKind;

  // Philips MR: the private scale slope SS (2005,xx0E). Stored values become Philips' floating-point
  // values as (stored x RescaleSlope + RescaleIntercept) / (RescaleSlope x SS); see docs/mr.md.
  std::optional<double> philipsScaleSlope;

  // Enhanced multi-frame objects: the position and rescale of every frame, from the per-frame
  // functional groups (empty for single-frame files). A volume reader turns each frame into a
  // "virtual slice": a copy of this header with frameIndex set and `frames` left empty.
  struct Frame {
    std::array<double, 3> position{};
    double rescaleSlope = 1;
    double rescaleIntercept = 0;
    std::optional<double> philipsScaleSlope;                  // (2005,xx0E) of the frame
    std::string frameKind;                                    // see DicomHeader::frameKind
    std::optional<double> bValue;                             // MRDiffusionSequence of the frame
    std::optional<std::array<double, 3>> diffusionGradient;
  };
  std::vector<Frame> frames;
  int frameIndex = -1;  // >= 0 for a virtual slice taken from frame `frameIndex` of `path`

  // A multi-frame object whose frames could not be placed in space (no per-frame positions).
  bool isUnplacedMultiFrame() const { return numberOfFrames > 1 && frames.empty() && frameIndex < 0; }

  // The size of the image stored in the file (a mosaic's, for a tile).
  unsigned fileRows() const { return tileIndex >= 0 ? storedRows : rows; }
  unsigned fileColumns() const { return tileIndex >= 0 ? storedColumns : columns; }

  // Projection radiography (CR, DX, MG, XA, RF, IO, PX).
  bool isRadiograph() const;
  // The pixel spacing to use where PixelSpacing is absent: ImagerPixelSpacing (at the detector)
  // divided by EstimatedRadiographicMagnificationFactor where given; and in words where it came from.
  std::optional<std::array<double, 2>> radiographPixelSpacing() const;
  std::string pixelSpacingSource() const;

  // A 2D/3D image this reader can turn into a volume (not SR, presentation state, RT struct...).
  bool isImage() const { return hasPixelData && rows > 0 && columns > 0; }
};

// True when the file starts like DICOM Part 10 ("DICM" at byte 128) or like a bare
// little-endian data set beginning with a group-0008 element. Cheap: reads 132 bytes.
bool looksLikeDicom(const std::filesystem::path& path);

// Reads the header up to the pixel data. Throws medpipe::Error naming the file
// (and the field, where one is at fault) when the file is not readable DICOM.
DicomHeader readDicomHeader(const std::filesystem::path& path);

// Silences GDCM's own stderr warnings (once per process); called by every GDCM entry point here.
void quietGdcm();

// "Explicit VR Little Endian", "JPEG 2000 Image Compression (Lossless Only)", ... or the UID.
std::string transferSyntaxName(const std::string& uid);

}  // namespace medpipe
