#pragma once
// Test data: Siemens MOSAIC images written as real DICOM files (explicit VR
// little endian) with a CSA image header in Siemens' SV10 layout, encoded here
// independently of medpipe's parser.
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "../robustness/dicom_bytes.h"

namespace medpipe::test {

// One CSA element: name and text values (SV10: name[64], vm, vr[4], syngodt,
// item count, 77, then per item 4 int32 with the length second, the value
// padded to 4 bytes).
inline std::string csaElement(const std::string& name, const std::vector<std::string>& values) {
  std::string out = name;
  out.resize(64, '\0');
  out += u32(uint32_t(values.size())) + std::string("FD\0\0", 4) + u32(4) + u32(uint32_t(values.size())) + u32(77);
  for (std::string v : values) {
    v += '\0';
    const uint32_t n = uint32_t(v.size());
    out += u32(n) + u32(n) + u32(77) + u32(n) + v + std::string((4 - n % 4) % 4, '\0');
  }
  return out;
}

inline std::string csaHeader(const std::vector<std::pair<std::string, std::vector<std::string>>>& elements) {
  std::string out = std::string("SV10") + "\4\3\2\1" + u32(uint32_t(elements.size())) + u32(77);
  for (const auto& [name, values] : elements) out += csaElement(name, values);
  return out;
}

inline std::string number(double v) {
  char text[40];
  std::snprintf(text, sizeof text, "%.10g", v);
  return text;
}

// The mosaic's 16-bit little-endian pixels: `spec.tiles` tiles of tileRows x tileColumns laid out
// row by row, spec.across() to a row, in a rows x columns image.
template <typename Spec>
std::string tiledPixels(const Spec& spec, unsigned rows, unsigned columns) {
  const unsigned across = spec.across();
  std::string pixels(size_t(rows) * columns * 2, '\0');
  for (unsigned k = 0; k < spec.tiles; ++k)
    for (unsigned y = 0; y < spec.tileRows; ++y)
      for (unsigned x = 0; x < spec.tileColumns; ++x) {
        const size_t at = (size_t(k / across) * spec.tileRows + y) * columns + (k % across) * spec.tileColumns + x;
        const uint16_t v = spec.value(k, y, x);
        pixels[2 * at] = char(v & 0xFF), pixels[2 * at + 1] = char(v >> 8);
      }
  return pixels;
}

struct MosaicSpec {
  unsigned tiles = 5, tileRows = 6, tileColumns = 8;
  std::array<double, 3> firstTileCorner{10, -20, 30};  // ImagePositionPatient of tile 0
  double tiltDegrees = 20;                             // rotation of the column direction about x
  std::array<double, 2> pixelSpacing{2.0, 2.5};        // between rows, between columns
  double sliceGap = 4;                                 // SpacingBetweenSlices
  bool normalAgainstCross = false;                     // CSA SliceNormalVector = -(row x column)
  bool csaTileCount = true, privateTileCount = true, csaHeaderPresent = true;
  unsigned tileCountWritten = 0;  // 0: `tiles`
  int acquisitionNumber = 1;
  int seriesNumber = 12;
  std::vector<double> sliceTimesMs{0, 400, 800, 200, 600};
  double bValue = -1;  // >= 0: CSA B_value (+ gradient)
  std::array<double, 3> gradient{0, 0, 0};

  std::array<double, 3> row() const { return {1, 0, 0}; }
  std::array<double, 3> column() const {
    const double a = tiltDegrees * M_PI / 180;
    return {0, std::cos(a), -std::sin(a)};
  }
  std::array<double, 3> normal() const {  // row x column
    const auto r = row(), c = column();
    return {r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]};
  }
  unsigned across() const { return unsigned(std::ceil(std::sqrt(double(tiles)))); }
  // The value written at tile k, row y, column x (+ 1000 per acquisition).
  uint16_t value(unsigned k, unsigned y, unsigned x) const {
    return uint16_t(1000 * acquisitionNumber + 100 * k + y * tileColumns + x + 1);
  }
};

inline std::filesystem::path writeMosaic(const MosaicSpec& s, const std::filesystem::path& file) {
  const unsigned across = s.across(), rows = s.tileRows * across, columns = s.tileColumns * across;
  SliceBytes dicom(uint16_t(rows), uint16_t(columns), 0, s.acquisitionNumber);
  const auto r = s.row(), c = s.column();
  const double alongRow = (double(columns) - s.tileColumns) / 2 * s.pixelSpacing[1];
  const double alongColumn = (double(rows) - s.tileRows) / 2 * s.pixelSpacing[0];
  std::array<double, 3> corner{};
  for (int d = 0; d < 3; ++d) corner[d] = s.firstTileCorner[d] - alongRow * r[d] - alongColumn * c[d];
  dicom.set(0x0008, 0x0008, "CS", "ORIGINAL\\PRIMARY\\M\\ND\\MOSAIC");
  dicom.set(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.4");
  dicom.set(0x0008, 0x0060, "CS", "MR");
  dicom.set(0x0008, 0x0070, "LO", "SIEMENS");
  dicom.set(0x0008, 0x103E, "LO", "ep2d test");
  dicom.set(0x0018, 0x0050, "DS", "3");
  dicom.set(0x0018, 0x0080, "DS", "2000");
  dicom.set(0x0018, 0x0081, "DS", "30");
  dicom.set(0x0018, 0x0088, "DS", number(s.sliceGap));
  dicom.set(0x0018, 0x1312, "CS", "COL");
  dicom.set(0x0020, 0x000E, "UI", "1.2.3.4.5." + std::to_string(s.seriesNumber));
  dicom.set(0x0020, 0x0011, "IS", std::to_string(s.seriesNumber));
  dicom.set(0x0020, 0x0012, "IS", std::to_string(s.acquisitionNumber));
  dicom.set(0x0020, 0x0032, "DS", number(corner[0]) + "\\" + number(corner[1]) + "\\" + number(corner[2]));
  dicom.set(0x0020, 0x0037, "DS",
            number(r[0]) + "\\" + number(r[1]) + "\\" + number(r[2]) + "\\" + number(c[0]) + "\\" + number(c[1]) +
                "\\" + number(c[2]));
  dicom.set(0x0028, 0x0030, "DS", number(s.pixelSpacing[0]) + "\\" + number(s.pixelSpacing[1]));
  dicom.set(0x0028, 0x0103, "US", u16(0));
  const unsigned written = s.tileCountWritten ? s.tileCountWritten : s.tiles;
  if (s.privateTileCount) {
    dicom.set(0x0019, 0x0010, "LO", "SIEMENS MR HEADER");
    dicom.set(0x0019, 0x100A, "US", u16(uint16_t(written)));
  }
  if (s.csaHeaderPresent) {
    auto n = s.normal();
    if (s.normalAgainstCross)
      for (auto& v : n) v = -v;
    std::vector<std::pair<std::string, std::vector<std::string>>> csa{
        {"SliceNormalVector", {number(n[0]), number(n[1]), number(n[2])}}, {"PhaseEncodingDirectionPositive", {"1"}}};
    if (s.csaTileCount) csa.push_back({"NumberOfImagesInMosaic", {std::to_string(written)}});
    std::vector<std::string> times;
    for (double t : s.sliceTimesMs) times.push_back(number(t));
    csa.push_back({"MosaicRefAcqTimes", times});
    if (s.bValue >= 0) {
      csa.push_back({"B_value", {number(s.bValue)}});
      csa.push_back(
          {"DiffusionGradientDirection", {number(s.gradient[0]), number(s.gradient[1]), number(s.gradient[2])}});
    }
    dicom.set(0x0029, 0x0010, "LO", "SIEMENS CSA HEADER");
    dicom.set(0x0029, 0x1010, "OB", csaHeader(csa));
  }
  dicom.pixels = tiledPixels(s, rows, columns);
  return dicom.write(file);
}

// A UIH VFRAME mosaic as UIH's scanners write it (dcm_qa_uih): ImageType ...\VFRAME, the tile
// count in (0065,xx50) of "Image Private Header", no ImagePositionPatient at the top level but one per
// tile in the items of (0065,xx51); the grid ceil(sqrt(n)) tiles across and ceil(n / across) down.
struct UihMosaicSpec {
  unsigned tiles = 10, tileRows = 6, tileColumns = 8;  // 10 tiles: 4 across, 3 down (Siemens: 4 x 4)
  std::array<double, 3> firstTileCorner{-40, -30, 12};
  std::array<double, 3> row{0.999113142, 0.0305822305, 0.0289414488};  // dcm_qa_uih's orientation
  std::array<double, 3> column{-0.0305694081, 0.999532282, -0.000885508256};
  std::array<double, 2> pixelSpacing{3.5, 3.0};  // between rows, between columns
  double sliceGap = 4.2;
  bool descending = false;      // tiles run against row x column
  unsigned positionsWritten = 0;  // 0: one per tile
  bool tileCount = true;
  int instance = 1;
  std::vector<std::string> tileTimes;  // AcquisitionTime (TM) of each tile's item, if given
  double bValue = -1;  // >= 0: UIH's (0065,xx09) and gradient (0065,xx37), as stored
  std::array<double, 3> gradient{0, 0, 0};
  std::array<double, 3> normal() const {
    return {row[1] * column[2] - row[2] * column[1], row[2] * column[0] - row[0] * column[2],
            row[0] * column[1] - row[1] * column[0]};
  }
  std::array<double, 3> position(unsigned k) const {
    const auto n = normal();
    const double step = (descending ? -1.0 : 1.0) * sliceGap * k;
    return {firstTileCorner[0] + step * n[0], firstTileCorner[1] + step * n[1], firstTileCorner[2] + step * n[2]};
  }
  unsigned across() const { return unsigned(std::ceil(std::sqrt(double(tiles)))); }
  unsigned down() const { return (tiles + across() - 1) / across(); }
  uint16_t value(unsigned k, unsigned y, unsigned x) const {
    return uint16_t(1000 * instance + 100 * k + y * tileColumns + x + 1);
  }
};

inline std::filesystem::path writeUihMosaic(const UihMosaicSpec& s, const std::filesystem::path& file) {
  const unsigned across = s.across(), down = s.down(), rows = s.tileRows * down, columns = s.tileColumns * across;
  SliceBytes dicom(uint16_t(rows), uint16_t(columns), 0, s.instance);
  dicom.erase(0x0020, 0x0032);  // UIH: positions only per tile
  dicom.set(0x0008, 0x0008, "CS", "ORIGINAL\\PRIMARY\\M\\VFRAME");
  dicom.set(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.4");
  dicom.set(0x0008, 0x0060, "CS", "MR");
  dicom.set(0x0008, 0x0070, "LO", "UIH");
  dicom.set(0x0008, 0x103E, "LO", "dti_tra_test");
  dicom.set(0x0018, 0x0050, "DS", "3.5");
  dicom.set(0x0018, 0x0080, "DS", "5865");
  dicom.set(0x0018, 0x0088, "DS", number(s.sliceGap));
  dicom.set(0x0020, 0x000E, "UI", "1.2.3.4.5.66");
  dicom.set(0x0020, 0x0011, "IS", "6");
  dicom.set(0x0020, 0x0037, "DS",
            number(s.row[0]) + "\\" + number(s.row[1]) + "\\" + number(s.row[2]) + "\\" + number(s.column[0]) +
                "\\" + number(s.column[1]) + "\\" + number(s.column[2]));
  dicom.set(0x0028, 0x0030, "DS", number(s.pixelSpacing[0]) + "\\" + number(s.pixelSpacing[1]));
  dicom.set(0x0028, 0x0103, "US", u16(0));
  dicom.set(0x0065, 0x0010, "LO", "Image Private Header");
  if (s.tileCount) dicom.set(0x0065, 0x1050, "DS", std::to_string(s.tiles));
  if (s.bValue >= 0) {
    auto fd = [](double v) {
      char b[8];
      std::memcpy(b, &v, 8);
      return std::string(b, 8);
    };
    dicom.set(0x0065, 0x1009, "FD", fd(s.bValue));
    dicom.set(0x0065, 0x1037, "FD", fd(s.gradient[0]) + fd(s.gradient[1]) + fd(s.gradient[2]));
  }
  std::string items;
  const unsigned positions = s.positionsWritten ? s.positionsWritten : s.tiles;
  for (unsigned k = 0; k < positions; ++k) {
    const auto p = s.position(k);
    std::string item = k < s.tileTimes.size() ? element(0x0008, 0x0032, "TM", s.tileTimes[k]) : "";
    item += element(0x0020, 0x0032, "DS", number(p[0]) + "\\" + number(p[1]) + "\\" + number(p[2]));
    items += tagBytes(0xFFFE, 0xE000) + u32(uint32_t(item.size())) + item;
  }
  dicom.set(0x0065, 0x1051, "SQ", items);
  dicom.pixels = tiledPixels(s, rows, columns);
  return dicom.write(file);
}

}  // namespace medpipe::test
