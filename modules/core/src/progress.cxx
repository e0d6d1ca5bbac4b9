#include "medpipe/core/progress.h"

#include "medpipe/core/error.h"

namespace medpipe {

void Progress::throwIfCancelled() const {
  if (cancelled()) throw Error("", "", "cancelled");
}

void Progress::report(double fraction, const std::string& what) const {
  throwIfCancelled();
  if (callback_) callback_(fraction, what);
}

}  // namespace medpipe
