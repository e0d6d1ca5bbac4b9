#pragma once
// Xlib kept out of the rendering sources: its macros (None, Status, Success) clash with VTK and ITK.

namespace medpipe {

// True when the X display named by DISPLAY accepts a connection.
bool xDisplayAnswers();

}  // namespace medpipe
