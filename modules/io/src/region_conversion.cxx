// convert: region objects beside their volume, named after the volume (no PHI
// in names).
#include "region_conversion.h"

#include <map>

#include "medpipe/core/error.h"
#include "medpipe/io/region_objects.h"

namespace medpipe {
namespace fs = std::filesystem;

std::vector<ConvertedRegions> convertRegionObjects(const std::vector<const DicomHeader*>& objects,
                                                   const SeriesVolume& volume, const ImageF& grid,
                                                   const std::string& stem, const ConversionOptions& options,
                                                   std::vector<ErrorInfo>& failed) {
  RegionReadOptions read;
  read.rois = options.rois;
  for (const auto& slice : volume.slices) read.sliceUids.insert(slice.sopInstanceUid);
  // Several objects of one kind on a series are numbered: "_rtstruct1",
  // "_rtstruct2", ...
  auto kindOf = [](const DicomHeader& h) -> std::string {
    return h.sopClassUid == "1.2.840.10008.5.1.4.1.1.66.4" ? "seg" : "rtstruct";
  };
  std::map<std::string, int> perKind;
  for (const auto* h : objects) ++perKind[kindOf(*h)];
  std::map<std::string, int> seen;
  std::vector<ConvertedRegions> written;
  for (const auto* h : objects) {
    try {
      const RegionObject object = describeRegionObject(h->path);
      const std::string kind = kindOf(*h);
      const int k = ++seen[kind];
      const std::string name = stem + "_" + kind + (perKind[kind] > 1 ? std::to_string(k) : "");
      const fs::path labels = options.outputFolder / (name + fileExtension(options.format));
      const fs::path table = options.outputFolder / (name + ".json");
      if (!options.overwrite && (fs::exists(labels) || fs::exists(table)))
        throw Error(labels.string(), "", "already exists (use --force to overwrite)");
      const RegionMap map = readRegionObject(h->path, grid, read);
      writeLabelImage(*map.labels, labels, options.write);
      writeRegionTable(table, object, map.regions);
      ConvertedRegions out{labels, table, toString(object.kind), {}};
      for (const auto& r : map.regions) out.names.push_back(r.name);
      written.push_back(std::move(out));
    } catch (const Error& e) {
      failed.push_back(e.info());
    }
  }
  return written;
}

}  // namespace medpipe
