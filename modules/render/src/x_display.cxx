#include "x_display.h"

#include <X11/Xlib.h>

namespace medpipe {

bool xDisplayAnswers() {
  ::Display* connection = XOpenDisplay(nullptr);
  if (!connection) return false;
  XCloseDisplay(connection);
  return true;
}

}  // namespace medpipe
