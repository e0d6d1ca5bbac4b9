#pragma once
// De-identification by the DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile:
// the attributes of Table E.1-1 are removed, emptied or replaced as the table says, private tags
// are removed, and every instance UID is replaced through a UidMap that is consistent within a run
// and can be kept in a local CSV file for later runs. docs/deidentification.md lists the table.
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace gdcm {
class DataSet;  // GDCM stays out of medpipe's public headers; callers with GDCM can pass a data set.
}

namespace medpipe {

struct DicomTag {
  std::uint16_t group = 0;
  std::uint16_t element = 0;
  bool operator<(const DicomTag& other) const {
    return group != other.group ? group < other.group : element < other.element;
  }
  bool operator==(const DicomTag& other) const { return group == other.group && element == other.element; }
};

// One row of PS3.15 Table E.1-1, basic profile column. Rows for repeating groups (curves 50xx,
// overlays 60xx) match every group g with (g & groupMask) == group.
struct ConfidentialityProfileRow {
  std::uint16_t group;
  std::uint16_t element;
  std::uint16_t groupMask;  // 0xFFFF for one tag, 0xFF00 for a repeating group
  bool anyElement;          // the whole group (curve data)
  const char* name;
  // The standard's code: "D" dummy value, "Z" empty, "X" remove, "U" replace UID, or a choice
  // ("Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*") resolved per the written IOD (see DeidentificationOptions).
  const char* action;
};

const std::vector<ConfidentialityProfileRow>& basicConfidentialityProfile();

// Original UID -> replacement UID. Thread-safe. The file is a CSV `original_uid,replacement_uid`;
// it re-links de-identified data to the originals, so it must stay where the originals are.
class UidMap {
 public:
  // The replacement of `original` (a new UID, from GDCM's generator, the first time it is seen).
  std::string replace(const std::string& original);
  std::optional<std::string> find(const std::string& original) const;
  size_t size() const;

  // Adds the mappings of a CSV file; throws medpipe::Error naming the file and line.
  void load(const std::filesystem::path& csv);
  // Writes every mapping, atomically; throws medpipe::Error.
  void save(const std::filesystem::path& csv) const;

  // Keeps this map in `csv` together with every other process that shares it (parallel runs,
  // workflow units): its mappings are loaded now (when it exists); before a UID gets a new
  // replacement the file is read again under an exclusive lock (flock on `<csv>.lock`), so a
  // replacement another process made first is used, and a new one is appended before the lock
  // is released. saveShared() rewrites the file sorted, atomically, merged under the lock.
  // Throws medpipe::Error naming the file.
  void share(const std::filesystem::path& csv);
  void saveShared();

 private:
  std::string generateLocked(const std::string& original);  // mutex_ held
  void readSharedLocked(std::uint64_t generation);           // mutex_ and the file lock held

  mutable std::mutex mutex_;
  std::map<std::string, std::string> map_;
  std::filesystem::path shared_;       // empty: the map lives in memory only
  std::uint64_t sharedGeneration_ = 0;  // the file read so far: its rewrite count, bytes and lines
  std::uintmax_t sharedOffset_ = 0;
  size_t sharedLines_ = 0;
};

struct DeidentificationOptions {
  // Where the profile offers a choice, the IOD being written decides (PS3.15 E.3.1): attributes it
  // requires with a value (Type 1) get a dummy value (D), attributes it requires present (Type 2) are
  // emptied (Z), all others are removed (X). X/Z/U* sequences (Referenced Image, Source Image) are
  // kept with their UIDs replaced, so references stay consistent within the de-identified set.
  std::vector<DicomTag> requiredWithValue;
  std::vector<DicomTag> requiredPresent;
};

// DeidentificationMethod (0012,0063) written into every de-identified data set.
extern const char* const kDeidentificationMethod;

class Deidentifier {
 public:
  explicit Deidentifier(UidMap& uids, const DeidentificationOptions& options = {});

  // Applies the profile in place (nested sequences included) and sets PatientIdentityRemoved
  // (0012,0062) YES, DeidentificationMethod (0012,0063) and DeidentificationMethodCodeSequence
  // (0012,0064) with code 113100 (DCM, Basic Application Confidentiality Profile).
  void deidentifyDataSet(gdcm::DataSet& dataSet) const;

  // Reads a DICOM file, de-identifies it and writes it (same transfer syntax) to `output`,
  // atomically. Throws medpipe::Error naming the file.
  void deidentifyFile(const std::filesystem::path& input, const std::filesystem::path& output) const;

  UidMap& uidMap() const { return uids_; }
  // The same profile and UID map, with the profile's choices resolved for another IOD.
  Deidentifier forIod(const DeidentificationOptions& options) const { return Deidentifier(uids_, options); }

 private:
  enum class Action { Dummy, Empty, Remove, ReplaceUid, KeepReplacingUids };
  std::optional<Action> actionFor(std::uint16_t group, std::uint16_t element) const;
  void apply(gdcm::DataSet& dataSet) const;

  UidMap& uids_;
  std::map<DicomTag, Action> actions_;  // single tags, the IOD's choices resolved
  std::vector<const ConfidentialityProfileRow*> repeatingGroups_;  // curves, overlays: removed
};

}  // namespace medpipe
