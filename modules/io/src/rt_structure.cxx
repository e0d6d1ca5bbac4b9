// RT Structure Set reading and contour rasterisation.
#include "medpipe/io/rt_structure.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "dicom_dataset.h"
#include "medpipe/core/error.h"

namespace medpipe {
namespace {

using gdcm::Tag;
const Tag kStructureSetRoiSequence(0x3006, 0x0020), kRoiContourSequence(0x3006, 0x0039),
    kContourSequence(0x3006, 0x0040);
const Tag kRoiNumber(0x3006, 0x0022), kRoiName(0x3006, 0x0026), kReferencedRoiNumber(0x3006, 0x0084);
const Tag kRoiDisplayColor(0x3006, 0x002a), kContourGeometricType(0x3006, 0x0042), kContourData(0x3006, 0x0050);
const Tag kReferencedFrameOfReferenceSequence(0x3006, 0x0010), kRtReferencedStudySequence(0x3006, 0x0012);
const Tag kRtReferencedSeriesSequence(0x3006, 0x0014), kSeriesInstanceUid(0x0020, 0x000e);
const Tag kFrameOfReferenceUid(0x0020, 0x0052), kContourImageSequence(0x3006, 0x0016);
const Tag kReferencedSopInstanceUid(0x0008, 0x1155), kRtRoiObservationsSequence(0x3006, 0x0080);
const Tag kRtRoiInterpretedType(0x3006, 0x00a4);
const char* kRtStructureSetStorage = "1.2.840.10008.5.1.4.1.1.481.3";

const gdcm::DataSet* item(const gdcm::DataSet& ds, const Tag& tag, size_t index) {
  if (!ds.FindDataElement(tag)) return nullptr;
  const auto sq = ds.GetDataElement(tag).GetValueAsSQ();
  if (!sq || index < 1 || index > sq->GetNumberOfItems()) return nullptr;
  return &sq->GetItem(index).GetNestedDataSet();
}

std::vector<double> numbers(const std::string& text) {
  std::vector<double> values;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, '\\')) {
    try {
      values.push_back(std::stod(part));
    } catch (const std::exception&) {
      values.push_back(std::nan(""));
    }
  }
  return values;
}

std::string contourName(const StructureRoi& roi, size_t contour) {
  return "ROI '" + roi.name + "' contour " + std::to_string(contour + 1);
}

double cross(double ax, double ay, double bx, double by) { return ax * by - ay * bx; }

// Do segments p1-p2 and q1-q2 (in one plane) cross or touch?
bool segmentsIntersect(const std::array<double, 2>& p1, const std::array<double, 2>& p2,
                       const std::array<double, 2>& q1, const std::array<double, 2>& q2) {
  const double d1 = cross(q2[0] - q1[0], q2[1] - q1[1], p1[0] - q1[0], p1[1] - q1[1]);
  const double d2 = cross(q2[0] - q1[0], q2[1] - q1[1], p2[0] - q1[0], p2[1] - q1[1]);
  const double d3 = cross(p2[0] - p1[0], p2[1] - p1[1], q1[0] - p1[0], q1[1] - p1[1]);
  const double d4 = cross(p2[0] - p1[0], p2[1] - p1[1], q2[0] - p1[0], q2[1] - p1[1]);
  return ((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0)) && d1 != 0 && d2 != 0 && d3 != 0 && d4 != 0;
}

}  // namespace

StructureSet readStructureSet(const std::filesystem::path& file) {
  const std::string where = file.string();
  gdcm::Reader reader;
  dicom::readCheckedFile(reader, file);
  const gdcm::DataSet& ds = reader.GetFile().GetDataSet();
  if (dicom::text(ds, Tag(0x0008, 0x0016)) != kRtStructureSetStorage)
    throw Error(where, "SOPClassUID", "not an RT Structure Set");
  StructureSet set;
  if (const auto* frame = item(ds, kReferencedFrameOfReferenceSequence, 1)) {
    set.frameOfReferenceUid = dicom::text(*frame, kFrameOfReferenceUid);
    if (const auto* study = item(*frame, kRtReferencedStudySequence, 1))
      if (const auto* series = item(*study, kRtReferencedSeriesSequence, 1))
        set.referencedSeriesUid = dicom::text(*series, kSeriesInstanceUid);
  }
  std::map<int, size_t> byNumber;
  for (size_t i = 1; const gdcm::DataSet* roi = item(ds, kStructureSetRoiSequence, i); ++i) {
    StructureRoi r;
    const auto number = numbers(dicom::text(*roi, kRoiNumber));
    if (number.empty() || !std::isfinite(number[0]))
      throw Error(where, "ROINumber", "ROI item " + std::to_string(i) + " has none");
    r.number = int(number[0]);
    r.name = dicom::text(*roi, kRoiName);
    byNumber[r.number] = set.rois.size();
    set.rois.push_back(r);
  }
  for (size_t i = 1; const gdcm::DataSet* rc = item(ds, kRoiContourSequence, i); ++i) {
    const auto number = numbers(dicom::text(*rc, kReferencedRoiNumber));
    if (number.empty() || !byNumber.count(int(number[0])))
      throw Error(where, "ReferencedROINumber",
                  "ROIContourSequence item " + std::to_string(i) + " names no ROI of the set");
    StructureRoi& roi = set.rois[byNumber[int(number[0])]];
    const auto color = numbers(dicom::text(*rc, kRoiDisplayColor));
    if (color.size() == 3)
      for (size_t k = 0; k < 3; ++k) roi.rgb[k] = std::uint8_t(std::clamp(color[k], 0.0, 255.0));
    for (size_t c = 1; const gdcm::DataSet* contour = item(*rc, kContourSequence, c); ++c) {
      const std::string name = contourName(roi, c - 1);
      const std::string type = dicom::text(*contour, kContourGeometricType);
      if (type == "POINT") continue;  // markers (isocentres), not regions
      if (type != "CLOSED_PLANAR") {
        if (roi.problem.empty())
          roi.problemField = "ContourGeometricType",
          roi.problem = name + " is " + (type.empty() ? "untyped" : type) + ", not CLOSED_PLANAR";
        continue;
      }
      const auto xyz = numbers(dicom::text(*contour, kContourData));
      if (xyz.size() % 3 != 0 || std::any_of(xyz.begin(), xyz.end(), [](double v) { return !std::isfinite(v); })) {
        if (roi.problem.empty()) roi.problemField = "ContourData", roi.problem = name + ": not a list of x, y, z numbers";
        continue;
      }
      ContourPoints points;
      for (size_t k = 0; k + 2 < xyz.size(); k += 3) points.push_back({xyz[k], xyz[k + 1], xyz[k + 2]});
      roi.contours.push_back(std::move(points));
      const gdcm::DataSet* image = item(*contour, kContourImageSequence, 1);
      roi.contourImages.push_back(image ? dicom::text(*image, kReferencedSopInstanceUid) : "");
    }
  }
  for (size_t i = 1; const gdcm::DataSet* observation = item(ds, kRtRoiObservationsSequence, i); ++i) {
    const auto number = numbers(dicom::text(*observation, kReferencedRoiNumber));
    if (!number.empty() && byNumber.count(int(number[0])))
      set.rois[byNumber[int(number[0])]].type = dicom::text(*observation, kRtRoiInterpretedType);
  }
  return set;
}

LabelImage::Pointer rasteriseStructures(const std::vector<StructureRoi>& rois, const itk::ImageBase<3>& grid,
                                        std::vector<std::string>* warnings) {
  if (rois.size() > 255) throw Error("", "rois", "more than 255 ROIs do not fit a label map");
  auto labels = LabelImage::New();
  labels->CopyInformation(&grid);
  labels->SetRegions(grid.GetLargestPossibleRegion());
  labels->Allocate();
  labels->FillBuffer(0);
  const auto size = grid.GetLargestPossibleRegion().GetSize();
  const size_t nx = size[0], ny = size[1], perSlice = nx * ny;
  std::vector<std::uint8_t> inside(perSlice);
  for (size_t r = 0; r < rois.size(); ++r) {
    const StructureRoi& roi = rois[r];
    // Contours grouped by slice: the even-odd rule applies across all of a slice's contours.
    std::map<long, std::vector<std::vector<std::array<double, 2>>>> slices;
    for (size_t c = 0; c < roi.contours.size(); ++c) {
      const std::string name = contourName(roi, c);
      const ContourPoints& points = roi.contours[c];
      if (points.size() < 3) throw Error("", "ContourData", name + " has fewer than 3 points");
      std::vector<std::array<double, 2>> polygon;
      double zMin = 1e300, zMax = -1e300;
      for (const auto& p : points) {
        itk::Point<double, 3> point;
        for (unsigned k = 0; k < 3; ++k) point[k] = p[k];
        const auto index = grid.TransformPhysicalPointToContinuousIndex<double>(point);
        polygon.push_back({index[0], index[1]});
        zMin = std::min(zMin, index[2]), zMax = std::max(zMax, index[2]);
      }
      if (zMax - zMin > 0.01) throw Error("", "ContourData", name + " does not lie in one slice plane");
      const double z = (zMin + zMax) / 2;
      const long k = std::lround(z);
      if (std::abs(z - double(k)) > 0.5 || k < 0 || k >= long(size[2]))
      {
        char index[32];
        std::snprintf(index, sizeof index, "%.2f", z);
        throw Error("", "ContourData", name + " lies on no slice of the image (slice index " + index + ")");
      }
      const size_t n = polygon.size();
      if (warnings && n <= 2000)  // O(n^2); longer contours are taken as drawn
        [&] {
          for (size_t a = 0; a < n; ++a)
            for (size_t b = a + 2; b < n; ++b) {
              if (a == 0 && b == n - 1) continue;  // neighbours through the closing edge
              if (segmentsIntersect(polygon[a], polygon[(a + 1) % n], polygon[b], polygon[(b + 1) % n])) {
                warnings->push_back("ContourData: " + name + " intersects itself (edges " + std::to_string(a + 1) +
                                    " and " + std::to_string(b + 1) + "); filled by the even-odd rule");
                return;
              }
            }
        }();
      slices[k].push_back(std::move(polygon));
    }
    for (const auto& [k, polygons] : slices) {
      std::fill(inside.begin(), inside.end(), 0);
      std::vector<double> crossings;
      for (const auto& polygon : polygons)
        for (size_t y = 0; y < ny; ++y) {
          crossings.clear();
          const double yc = double(y);
          for (size_t e = 0; e < polygon.size(); ++e) {
            const auto& a = polygon[e];
            const auto& b = polygon[(e + 1) % polygon.size()];
            if ((a[1] > yc) != (b[1] > yc)) crossings.push_back(a[0] + (yc - a[1]) * (b[0] - a[0]) / (b[1] - a[1]));
          }
          std::sort(crossings.begin(), crossings.end());
          for (size_t c = 0; c + 1 < crossings.size(); c += 2) {
            const long x0 = std::max(0L, long(std::ceil(crossings[c]))),
                       x1 = std::min(long(nx) - 1, long(std::ceil(crossings[c + 1])) - 1);
            for (long x = x0; x <= x1; ++x) inside[y * nx + size_t(x)] ^= 1;  // even-odd across contours
          }
        }
      std::uint8_t* slice = labels->GetBufferPointer() + size_t(k) * perSlice;
      for (size_t i = 0; i < perSlice; ++i)
        if (inside[i]) slice[i] = std::uint8_t(r + 1);
    }
  }
  return labels;
}

}  // namespace medpipe
