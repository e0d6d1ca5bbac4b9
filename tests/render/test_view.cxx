// medpipe view: the interactive window. Without DISPLAY it must refuse in one line (and never start
// Xvfb itself); under an X server the test starts, --exit-after-render opens the window, renders the
// first frame, writes it with --screenshot and returns instead of waiting for the user.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "medpipe/preview/png_file.h"
#include "render_fixtures.h"

namespace medpipe {
namespace {

using test::PhantomFiles;
using test::TempDir;
namespace fs = std::filesystem;

// Xvfb on a display number it picks itself (-displayfd), so parallel test runs never collide;
// stopped by the destructor. display() is empty when Xvfb is missing or does not come up.
class TestXServer {
 public:
  TestXServer() {
    if (test::runCommand("command -v Xvfb").exitCode != 0) return;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(1);
      ::close(fds[0]);
      ::fcntl(fds[1], F_SETFD, 0);
      const int devnull = ::open("/dev/null", O_RDWR);
      ::dup2(devnull, STDIN_FILENO), ::dup2(devnull, STDOUT_FILENO), ::dup2(devnull, STDERR_FILENO);
      const std::string fd = std::to_string(fds[1]);
      ::execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "800x600x24", "-nolisten", "tcp",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string text;
    while (pid_ > 0 && text.find('\n') == std::string::npos) {
      pollfd ready{fds[0], POLLIN, 0};
      char buffer[32];
      if (::poll(&ready, 1, 20000) <= 0) break;
      const ssize_t got = ::read(fds[0], buffer, sizeof buffer);
      if (got <= 0) break;
      text.append(buffer, static_cast<size_t>(got));
    }
    ::close(fds[0]);
    if (text.find('\n') != std::string::npos) display_ = ":" + text.substr(0, text.find('\n'));
  }
  ~TestXServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  TestXServer(const TestXServer&) = delete;
  TestXServer& operator=(const TestXServer&) = delete;
  const std::string& display() const { return display_; }

 private:
  pid_t pid_ = -1;
  std::string display_;
};

class ViewTest : public test::SmallPhantomSuite {};

TEST_F(ViewTest, WithoutDisplayItSaysSoInOneLineAndExits1) {
  // MEDPIPE_NO_XVFB is not set: view must refuse on its own, not fall back to Xvfb as render does.
  const auto start = std::chrono::steady_clock::now();
  const auto r = test::runCommand("env -u DISPLAY -u MEDPIPE_NO_XVFB timeout 60 " + std::string(MEDPIPE_EXE) +
                                  " view " + test::quoted(files_->image));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ measured ] view without DISPLAY: exit " << r.exitCode << " in " << seconds << " s\n";
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err,
            "medpipe view: error: no display (DISPLAY is not set): medpipe view needs a screen; "
            "use medpipe render -o OUT.png for pictures\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(ViewTest, DisplayNobodyServesIsAnErrorNotACrash) {
  const auto r = test::runCommand("env DISPLAY=:4321 timeout 60 " + std::string(MEDPIPE_EXE) + " view " +
                                  test::quoted(files_->image) + " --exit-after-render");
  EXPECT_EQ(r.exitCode, 1) << "VTK must not get to crash on an unreachable display (139/134)\n" << r.err;
  EXPECT_NE(r.err.find("medpipe view: error: DISPLAY: cannot open X display ':4321'"), std::string::npos) << r.err;
}

TEST_F(ViewTest, HelpDescribesTheCommand) {
  const auto r = test::runCommand(std::string(MEDPIPE_EXE) + " view --help");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("medpipe view IMAGE [--labels LABELMAP] [--preset P] [--view V] [--size WxH]"),
            std::string::npos)
      << r.out;
  const auto overview = test::runCommand(std::string(MEDPIPE_EXE) + " --help");
  EXPECT_NE(overview.out.find("  view "), std::string::npos) << overview.out;
}

TEST_F(ViewTest, WindowUnderXvfbShowsTheLeftArmBoneOnTheViewersRightFromTheFront) {
  const TestXServer x;
  if (x.display().empty()) GTEST_SKIP() << "Xvfb is not installed or did not start (apt-get install xvfb)";
  constexpr unsigned kSide = 256;
  // As in test_volume_render: the arm bone projects 45..60 px right of the centre at this size.
  constexpr unsigned kBandFrom = kSide / 2 + 25, kBandTo = kSide / 2 + 90;
  constexpr unsigned kMirrorFrom = kSide - kBandTo, kMirrorTo = kSide - kBandFrom;
  const auto shot = *dir_ / "view-anterior.png";
  const auto start = std::chrono::steady_clock::now();
  // `timeout`: a regression that enters the event loop fails the test instead of hanging it.
  const auto r = test::runCommand("env DISPLAY=" + x.display() + " timeout 60 " + std::string(MEDPIPE_EXE) + " view " +
                                  test::quoted(files_->image) + " --labels " + test::quoted(files_->labels) +
                                  " --view anterior --size 256x256 --exit-after-render --screenshot " +
                                  test::quoted(shot));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ measured ] view on " << x.display() << ": exit " << r.exitCode << " in " << seconds << " s\n";
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, shot.string() + "\n");
  ASSERT_TRUE(fs::exists(shot));
  const RgbImage picture = readPng(shot);
  ASSERT_EQ(picture.width, kSide);
  ASSERT_EQ(picture.height, kSide);
  const int lit = kSide * kSide - test::countInColumns(picture, 0, kSide, test::isBlack);
  const int right = test::countInColumns(picture, kBandFrom, kBandTo, test::isYellowish);
  const int left = test::countInColumns(picture, kMirrorFrom, kMirrorTo, test::isYellowish);
  std::cout << "[ measured ] view anterior: " << lit << " non-black pixels of " << kSide * kSide
            << "; bone-coloured pixels right band " << right << ", left band " << left << "\n";
  EXPECT_GT(lit, static_cast<int>(kSide * kSide / 10));  // body outline, lungs and bones fill much of it
  EXPECT_GT(right, 500);
  EXPECT_LT(left, right / 20);
}

}  // namespace
}  // namespace medpipe
