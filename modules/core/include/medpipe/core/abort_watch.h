#pragma once
// Stopping a running ITK filter once a Progress is cancelled, for every module that runs one
// (filters' stages, radiomics' resampling).
#include <itkProcessObject.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "medpipe/core/progress.h"

namespace medpipe {

// ITK invokes ProgressEvents only on the thread that called Update, and that thread mostly waits
// for the thread pool, so an observer alone sees a cancel late or never. While it lives, this
// watcher polls the cancel flag every 20 ms and raises the filter's AbortGenerateData, which ITK's
// progress reporters (and medpipe's own filters) check in every worker thread. (AbortGenerateData
// is a plain bool that ITK documents as settable while the filter runs; a late read only delays
// the stop by one check.) Update resets the flag when it starts: a cancel that may come before
// that also needs a ProgressEvent observer (Update reports 0 right after the reset).
class AbortWatch {
 public:
  AbortWatch(itk::ProcessObject& filter, const Progress& progress);
  ~AbortWatch();
  AbortWatch(const AbortWatch&) = delete;
  AbortWatch& operator=(const AbortWatch&) = delete;

 private:
  itk::ProcessObject& filter_;
  const Progress& progress_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace medpipe
