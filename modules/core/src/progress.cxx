#include "medpipe/core/progress.h"

#include "medpipe/core/error.h"

namespace medpipe {

void Progress::report(double fraction, const std::string& what) const {
  if (cancelled()) throw Error("", "", "cancelled");
  if (callback_) callback_(fraction, what);
}

}  // namespace medpipe
