#pragma once
// VTK prints its warnings and errors to stderr by itself; the library must not print. This routes
// them to medpipe's log sink instead (errors and warnings as warnings, the rest as debug).
namespace medpipe {

// Idempotent; call before running any VTK pipeline.
void routeVtkMessagesToLog();

}  // namespace medpipe
