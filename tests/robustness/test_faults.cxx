// Faults around the input and the output, mostly through the CLI: an output folder that cannot be
// created or written, a full disk, files that vanish between the scan and the read, a config that
// names a missing input, SIGINT in the middle of a batch (then a resumed run), and a check that a
// run never modifies its input.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "medpipe/core/error.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/image_file.h"
#include "medpipe/pipeline/batch_runner.h"
#include "medpipe/pipeline/pipeline_config.h"
#include "medpipe/pipeline/pipeline_runner.h"
#include "test_support.h"

extern char** environ;

namespace medpipe {
namespace {

namespace fs = std::filesystem;

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

void writeText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// input -> bone (threshold) -> stats, and the input volume itself: three outputs per unit.
const char* kThresholdConfig = R"(input:
  path: ${input_dir}
steps:
  bone: {stage: binary-threshold, input: input, lower: 300, upper: 3000}
  stats:
    stage: label-statistics
    input: {image: input, labels: bone}
outputs:
  - {step: input, file: volume.nii.gz}
  - {step: bone, file: bone.nii.gz}
  - {step: stats, file: stats.csv}
)";

PhantomSpec smallPhantom() {
  PhantomSpec spec;
  spec.size = {32, 32, 6};
  spec.spacing = {6, 6, 10};
  return spec;
}

std::vector<fs::path> regularFilesBelow(const fs::path& root) {
  std::vector<fs::path> files;
  if (!fs::exists(root)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Temporary files of writeAtomically look like ".<stem>.tmp<pid>-<n><ext>".
std::vector<fs::path> temporaryFilesBelow(const fs::path& root) {
  std::vector<fs::path> found;
  for (const auto& f : regularFilesBelow(root)) {
    const std::string name = f.filename().string();
    if (name.rfind(".", 0) == 0 && name.find(".tmp") != std::string::npos) found.push_back(f);
  }
  return found;
}

// A tmpfs mounted on `where` for the object's lifetime (tests run as root here); mounted() is false
// where mounting is not allowed, and the test then skips.
class TmpfsMount {
 public:
  TmpfsMount(const fs::path& where, const std::string& options) : where_(where) {
    fs::create_directories(where);
    mounted_ = test::runCommand("mount -t tmpfs -o " + options + " tmpfs " + quoted(where)).exitCode == 0;
  }
  ~TmpfsMount() {
    if (mounted_) test::runCommand("umount " + quoted(where_));
  }
  bool mounted() const { return mounted_; }

 private:
  fs::path where_;
  bool mounted_ = false;
};

#define SKIP_UNLESS_MOUNTED(mount)                                                                \
  if (!(mount).mounted())                                                                         \
  GTEST_SKIP() << "cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN); skipping"

class Faults : public ::testing::Test {
 protected:
  void SetUp() override { writeText(dir_ / "config.yaml", kThresholdConfig); }
  std::string run(const fs::path& input, const fs::path& output, const std::string& extra = "",
                  const std::string& config = "config.yaml") const {
    return "run " + quoted(dir_ / config) + " --input " + quoted(input) + " --output " + quoted(output) + " " + extra;
  }
  test::TempDir dir_{"faults"};
};

}  // namespace

// ENOTDIR: the output folder would have to be created below a regular file.
TEST_F(Faults, OutputFolderBelowARegularFileIsAClearError) {
  test::writePhantomSeries(smallPhantom(), dir_ / "in");
  writeText(dir_ / "blocker", "a file, not a folder\n");
  const fs::path output = dir_ / "blocker" / "out";

  const auto r = test::runMedpipe(run(dir_ / "in", output, "--quiet"));
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(output.string() + ": cannot create output folder: Not a directory"), std::string::npos) << r.err;

  const auto c = test::runMedpipe("convert " + quoted(dir_ / "in") + " -o " + quoted(output));
  EXPECT_EQ(c.exitCode, 1) << c.err;
  EXPECT_EQ(c.err, "medpipe convert: error: " + output.string() + ": cannot create output folder: Not a directory\n");
  EXPECT_EQ(regularFilesBelow(dir_.path()).size(), 2u + 6u);  // config, blocker and the 6 slices: nothing written
}

// /proc refuses new folders even to root.
TEST_F(Faults, OutputFolderInProcIsAClearError) {
  test::writePhantomSeries(smallPhantom(), dir_ / "in");
  const auto r = test::runMedpipe(run(dir_ / "in", "/proc/medpipe-output", "--quiet"));
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("/proc/medpipe-output: cannot create output folder: "), std::string::npos) << r.err;
}

// A read-only file system (root ignores permission bits, not this): the folder exists, no file
// can be created in it.
TEST_F(Faults, ReadOnlyOutputFolderIsAClearErrorAndLeavesNothing) {
  test::writePhantomSeries(smallPhantom(), dir_ / "in");
  TmpfsMount readOnly(dir_ / "ro", "ro,size=64k");
  SKIP_UNLESS_MOUNTED(readOnly);
  const auto r = test::runMedpipe(run(dir_ / "in", dir_ / "ro", "--quiet"));
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  EXPECT_NE(r.err.find((dir_ / "ro" / "volume.nii.gz").string() + ": cannot write image: Read-only file system"),
            std::string::npos) << r.err;
  EXPECT_TRUE(regularFilesBelow(dir_ / "ro").empty());
}

// ENOSPC: a 200 kB tmpfs cannot hold a 128x128x24 volume (768 kB raw). The write fails with a
// clear message, the exit code is 1, and neither the output nor its temporary file is left behind.
TEST_F(Faults, FullDiskIsAClearErrorAndLeavesNoPartialOutput) {
  PhantomSpec spec;
  spec.size = {128, 128, 24};
  spec.spacing = {2, 2, 4};
  test::writePhantomSeries(spec, dir_ / "in");
  TmpfsMount full(dir_ / "full", "size=200k");
  SKIP_UNLESS_MOUNTED(full);

  const auto r = test::runMedpipe(run(dir_ / "in", dir_ / "full", "--quiet"));
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  EXPECT_NE(r.err.find((dir_ / "full" / "volume.nii.gz").string() + ": cannot write image"), std::string::npos) << r.err;
  EXPECT_TRUE(regularFilesBelow(dir_ / "full").empty()) << regularFilesBelow(dir_ / "full").front();

  for (const char* format : {"nii.gz", "nii", "nrrd", "mha"}) {
    const auto c = test::runMedpipe("convert " + quoted(dir_ / "in") + " -o " + quoted(dir_ / "full") + " --format " + format);
    EXPECT_EQ(c.exitCode, 1) << format << ": " << c.out << c.err;
    EXPECT_NE(c.err.find(": cannot write image"), std::string::npos) << format << ": " << c.err;
    const auto left = regularFilesBelow(dir_ / "full");
    EXPECT_TRUE(left.empty()) << format << ": " << left.front();
  }
}

// A file removed between the scan (indexDicomFolder) and the read: the error names that file.
TEST_F(Faults, FileVanishingBetweenScanAndReadNamesTheFile) {
  test::writePhantomSeries(smallPhantom(), dir_ / "in");
  const DicomIndex index = indexDicomFolder(dir_ / "in");
  ASSERT_EQ(index.volumes.size(), 1u);
  const fs::path victim = dir_ / "in" / "IM0003.dcm";
  fs::remove(victim);
  try {
    readVolume(index.volumes.front(), IrregularGeometry::Resample);
    ADD_FAILURE() << "a volume was read without one of its files";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), victim.string() + ": no such file");
  }
}

// The same in a batch: the unit with the vanished file fails and names it, the other one is done.
TEST_F(Faults, FileVanishingDuringABatchFailsOnlyItsUnit) {
  test::writePhantomExport(dir_ / "export", 2, smallPhantom());
  PipelineConfig config = loadPipelineConfig((dir_ / "config.yaml").string(), {}, {{"input_dir", (dir_ / "export").string()}});
  const PipelinePlan plan = planPipeline(config);
  ASSERT_TRUE(plan.ok());
  const auto units = planWorkUnits(config);
  ASSERT_EQ(units.size(), 2u);
  const fs::path victim = dir_ / "export" / "S2" / "IM0004.dcm";
  fs::remove(victim);
  BatchOptions options;
  options.outputFolder = dir_ / "out";
  const auto outcomes = runBatch(config, plan, units, options);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_TRUE(outcomes[0].ok) << outcomes[0].error;
  EXPECT_FALSE(outcomes[1].ok);
  EXPECT_NE(outcomes[1].error.find(victim.string()), std::string::npos) << outcomes[1].error;
  EXPECT_TRUE(temporaryFilesBelow(dir_ / "out").empty());
}

// Dangling symlinks and a symlink loop in the input are skipped; the real series converts.
TEST_F(Faults, DanglingSymlinksInTheInputAreSkipped) {
  test::writePhantomSeries(smallPhantom(), dir_ / "in" / "series");
  fs::create_symlink(dir_ / "nowhere.dcm", dir_ / "in" / "dangling.dcm");
  fs::create_directory_symlink(dir_ / "in", dir_ / "in" / "series" / "loop");
  const auto r = test::runMedpipe("convert " + quoted(dir_ / "in") + " -o " + quoted(dir_ / "out"));
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "1_Phantom_CT.nii.gz")) << r.err;
}

TEST_F(Faults, ConfigNamingAMissingInputIsAClearError) {
  writeText(dir_ / "missing.yaml", "input:\n  path: ${config_dir}/no-such-export\noutputs:\n  - {step: input, file: v.nii.gz}\n");
  const auto r = test::runMedpipe("run " + quoted(dir_ / "missing.yaml") + " --output " + quoted(dir_ / "out"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "medpipe run: error: " + (dir_ / "no-such-export").string() + ": no such file or folder\n");
  EXPECT_FALSE(fs::exists(dir_ / "out"));

  const auto missingConfig = test::runMedpipe("run " + quoted(dir_ / "nope.yaml") + " --output " + quoted(dir_ / "out"));
  EXPECT_EQ(missingConfig.exitCode, 1);
  EXPECT_EQ(missingConfig.err, "medpipe run: error: " + (dir_ / "nope.yaml").string() + ": cannot read config\n");
}

namespace {

// `medpipe ARGS...` started in the background with stdout and stderr going to files.
class BackgroundMedpipe {
 public:
  BackgroundMedpipe(const std::vector<std::string>& args, const fs::path& logs) : out_(logs / "out.txt"), err_(logs / "err.txt") {
    std::vector<std::string> argv{MEDPIPE_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> pointers;
    for (auto& a : argv) pointers.push_back(a.data());
    pointers.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (posix_spawn(&pid_, argv[0].c_str(), &actions, nullptr, pointers.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~BackgroundMedpipe() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  pid_t pid() const { return pid_; }
  bool running() const {
    if (pid_ <= 0 || waited_) return false;
    return ::waitpid(pid_, nullptr, WNOHANG | WNOWAIT) == 0 || ::kill(pid_, 0) == 0;
  }
  // Exit code, or 128 + signal number when a signal ended it.
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    waited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string err() const {
    std::ifstream in(err_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  fs::path out_, err_;
  pid_t pid_ = -1;
  bool waited_ = false;
};

bool waitFor(const std::function<bool()>& condition, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace

// SIGINT once the first of four units is finished: the run stops with exit code 130, leaves no
// temporary files, every output file present is complete, and a second run skips the finished
// unit and completes the others.
TEST_F(Faults, SigintDuringABatchStopsCleanlyAndTheRerunResumes) {
  PhantomSpec spec;
  spec.size = {64, 64, 24};
  spec.spacing = {1, 1, 2};
  test::writePhantomExport(dir_ / "export", 4, spec);
  // A slow step (ITK's wide median, about a second) makes each unit last long enough to be
  // interrupted in the middle: ITK filters stop at their next progress event once the run is
  // cancelled. ITK's, not medpipe's: it is not instrumented, so it takes as long in the sanitizer
  // build (medpipe's there: 40 s a unit).
  writeText(dir_ / "slow.yaml", R"(input:
  path: ${input_dir}
steps:
  smooth: {stage: median, input: input, radius: 5, implementation: itk}
  bone: {stage: binary-threshold, input: smooth, lower: 300, upper: 3000}
  stats:
    stage: label-statistics
    input: {image: input, labels: bone}
outputs:
  - {step: input, file: volume.nii.gz}
  - {step: smooth, file: smooth.nii.gz}
  - {step: bone, file: bone.nii.gz}
  - {step: stats, file: stats.csv}
)");
  const fs::path out = dir_ / "out";
  const std::vector<std::string> args{"run", (dir_ / "slow.yaml").string(), "--input", (dir_ / "export").string(),
                                      "--output", out.string(), "-j", "1"};
  int code = -1;
  std::string err;
  std::vector<fs::path> finished;
  {
    BackgroundMedpipe run(args, dir_.path());
    ASSERT_GT(run.pid(), 0);
    auto completeUnits = [&] {
      std::vector<fs::path> done;
      if (fs::exists(out))
        for (const auto& unit : fs::directory_iterator(out))
          if (fs::exists(unit.path() / "provenance.json")) done.push_back(unit.path());
      return done;
    };
    ASSERT_TRUE(waitFor([&] { return !completeUnits().empty(); }, 300)) << "no unit finished: " << run.err();
    ASSERT_EQ(::kill(run.pid(), SIGINT), 0);
    code = run.wait();
    err = run.err();
    finished = completeUnits();
  }
  EXPECT_EQ(code, 130) << err;
  EXPECT_NE(err.find("medpipe run: interrupted"), std::string::npos) << err;
  EXPECT_NE(err.find("cancelled"), std::string::npos) << err;
  EXPECT_LT(finished.size(), 4u) << "the run finished before SIGINT took effect";
  EXPECT_TRUE(temporaryFilesBelow(out).empty()) << temporaryFilesBelow(out).front();
  // Every output file present is whole: images read back, tables have their header and rows.
  std::map<fs::path, fs::file_time_type> written;
  for (const auto& file : regularFilesBelow(out)) {
    written[file] = fs::last_write_time(file);
    const std::string name = file.filename().string();
    if (name == "bone.nii.gz") EXPECT_NO_THROW(readLabelImage(file)) << file;
    else if (name.size() > 7 && name.substr(name.size() - 7) == ".nii.gz") EXPECT_NO_THROW(readImage(file)) << file;
    else EXPECT_GT(fs::file_size(file), 20u) << file;
  }

  const auto rerun = test::runMedpipe(run(dir_ / "export", out, "", "slow.yaml"));
  EXPECT_EQ(rerun.exitCode, 0) << rerun.out << rerun.err;
  EXPECT_NE(rerun.out.find("4 unit(s), 0 failed"), std::string::npos) << rerun.out;
  size_t skipped = 0;
  for (size_t p = 0; (p = rerun.err.find("already complete, skipped", p)) != std::string::npos; ++p) ++skipped;
  EXPECT_EQ(skipped, finished.size()) << rerun.err;
  EXPECT_TRUE(fs::exists(out / "summary.tsv"));
  EXPECT_TRUE(fs::exists(out / "report" / "index.html"));  // the rerun finished the batch: its report
  for (const auto& unit : fs::directory_iterator(out)) {
    if (!unit.is_directory() || unit.path().filename() == "report") continue;  // summary.tsv, cohort.*, the report
    EXPECT_TRUE(fs::exists(unit.path() / "provenance.json")) << unit.path();
    EXPECT_TRUE(fs::exists(unit.path() / "stats.csv")) << unit.path();
  }
  for (const auto& unit : finished)  // finished units were not redone
    for (const auto& file : regularFilesBelow(unit)) EXPECT_EQ(fs::last_write_time(file), written[file]) << file;
  EXPECT_TRUE(temporaryFilesBelow(out).empty());
}

// The run's cancellation reaches into a running ITK step: cancelled at the step's first progress
// event, the median stops there (ProcessAborted), the unit fails naming the step, writes nothing.
TEST_F(Faults, CancellationStopsAStepInTheMiddle) {
  PhantomSpec spec;
  spec.size = {64, 64, 24};
  spec.spacing = {1, 1, 2};
  const Phantom phantom = makeBodyPhantom(spec);
  const PipelineConfig config = parsePipelineConfig(R"(input: phantom.nii.gz
steps:
  smooth: {stage: median, input: input, radius: 5}
outputs:
  - {step: smooth, file: smooth.nii.gz}
)", "cancel.yaml");
  const PipelinePlan plan = planPipeline(config);
  ASSERT_TRUE(plan.ok()) << plan.problems.front().str();
  Progress cancel;
  RunOptions options;
  options.cancel = &cancel;
  double cancelledAt = -1;
  options.onProgress = [&](size_t, size_t, const std::string&, double fraction) {
    if (fraction > 0 && fraction < 1 && cancelledAt < 0) cancelledAt = fraction, cancel.cancel();
  };
  const auto start = std::chrono::steady_clock::now();
  try {
    runPipelineUnit(config, plan, phantom.image, InputIdentity{"phantom", {}, "0"}, dir_ / "out", options);
    ADD_FAILURE() << "the unit ran to the end";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "step 'smooth' (median): cancelled");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GT(cancelledAt, 0) << "the median reported no progress";
  EXPECT_LT(cancelledAt, 0.5);
  EXPECT_FALSE(fs::exists(dir_ / "out" / "smooth.nii.gz"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "provenance.json"));
  EXPECT_TRUE(temporaryFilesBelow(dir_ / "out").empty());
  RecordProperty("secondsUntilStopped", std::to_string(seconds));
}

namespace {

// Size, modification time, mode and a hash of the bytes of every file below root.
std::map<std::string, std::string> fingerprint(const fs::path& root) {
  std::map<std::string, std::string> prints;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    struct stat info {};
    ::lstat(entry.path().c_str(), &info);
    std::ostringstream print;
    print << info.st_size << " " << info.st_mtim.tv_sec << "." << info.st_mtim.tv_nsec << " " << std::oct << info.st_mode;
    if (entry.is_regular_file()) print << " " << hashFiles({entry.path()});
    prints[fs::relative(entry.path(), root).string()] = print.str();
  }
  return prints;
}

}  // namespace

// A whole batch (with a corrupt series and junk files in the export), a conversion and a scan
// leave every input file as it was: bytes, size, modification time and mode.
TEST_F(Faults, InputsAreNeverModified) {
  test::writePhantomExport(dir_ / "export", 3, smallPhantom());
  writeText(dir_ / "export" / "README.txt", "not DICOM\n");
  const fs::path victim = dir_ / "export" / "S2" / "IM0003.dcm";
  fs::resize_file(victim, fs::file_size(victim) - 300);
  const auto before = fingerprint(dir_ / "export");
  ASSERT_GT(before.size(), 18u);

  const auto r = test::runMedpipe(run(dir_ / "export", dir_ / "out", "-j 2 --quiet"));
  EXPECT_EQ(r.exitCode, 1) << r.err;  // the corrupt series fails, the others are done
  EXPECT_NE(r.out.find("3 unit(s), 1 failed"), std::string::npos) << r.out;
  EXPECT_EQ(test::runMedpipe("convert " + quoted(dir_ / "export") + " -o " + quoted(dir_ / "converted")).exitCode, 1);
  EXPECT_EQ(test::runMedpipe("scan " + quoted(dir_ / "export")).exitCode, 0);
  EXPECT_EQ(fingerprint(dir_ / "export"), before);
}

}  // namespace medpipe
