#include "vtk_log_bridge.h"

#include <vtkObjectFactory.h>
#include <vtkOutputWindow.h>
#include <vtkSmartPointer.h>

#include <string>

#include "medpipe/core/log.h"

namespace medpipe {
namespace {

class LogOutputWindow : public vtkOutputWindow {
 public:
  static LogOutputWindow* New();
  vtkTypeMacro(LogOutputWindow, vtkOutputWindow)

  void DisplayText(const char* text) override { logDebug(trimmed(text)); }
  void DisplayErrorText(const char* text) override { logWarning("VTK: " + trimmed(text)); }
  void DisplayWarningText(const char* text) override { logDebug("VTK: " + trimmed(text)); }
  void DisplayGenericWarningText(const char* text) override { logDebug("VTK: " + trimmed(text)); }
  void DisplayDebugText(const char* text) override { logDebug("VTK: " + trimmed(text)); }

 private:
  static std::string trimmed(const char* text) {
    std::string s = text ? text : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
};
vtkStandardNewMacro(LogOutputWindow);

}  // namespace

void routeVtkMessagesToLog() {
  static const bool installed = [] {
    auto window = vtkSmartPointer<LogOutputWindow>::New();
    vtkOutputWindow::SetInstance(window);
    return true;
  }();
  (void)installed;
}

}  // namespace medpipe
