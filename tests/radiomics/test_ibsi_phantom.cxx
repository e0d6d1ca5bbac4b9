// Every IBSI-1 family against the digital phantom's reference values (482 in all), one test per
// family; each mismatch is printed with the computed and the reference value.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "ibsi_phantom.h"

namespace medpipe::test {
namespace {

class IbsiPhantom : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (ibsiPhantomDir().empty()) return;
    radiomics::FeatureSettings settings;  // the phantom's grey levels as they are: bins of 1 from 1
    settings.discretisation.binWidth = 1.0;
    settings.discretisation.lowerBound = 1.0;
    for (const auto& f : radiomics::computeFeatures(readIbsiPhantom(), settings)) computed_[f.tag] = f;
  }

  void checkFamily(const std::string& family) {
    if (ibsiPhantomDir().empty()) GTEST_SKIP() << "IBSI digital phantom not found under " << MEDPIPE_SHARED_DATA;
    int total = 0, passed = 0;
    for (const auto& ref : readIbsiReference()) {
      if (ref.family != family) continue;
      ++total;
      const auto it = computed_.find(ref.tag);
      if (it == computed_.end()) {
        ADD_FAILURE() << ref.tag << ": not computed";
        continue;
      }
      if (matchesIbsi(it->second.value, ref)) {
        ++passed;
      } else {
        ADD_FAILURE() << ref.tag << ": " << it->second.value << ", reference " << ref.value << " +- " << ref.tolerance;
      }
    }
    std::printf("[ IBSI     ] %s: %d/%d reference values match\n", family.c_str(), passed, total);
    EXPECT_GT(total, 0);
  }

  static std::map<std::string, radiomics::FeatureValue> computed_;
};

std::map<std::string, radiomics::FeatureValue> IbsiPhantom::computed_;

TEST_F(IbsiPhantom, Morphology) { checkFamily("morph"); }
TEST_F(IbsiPhantom, LocalIntensity) { checkFamily("loc"); }
TEST_F(IbsiPhantom, IntensityStatistics) { checkFamily("stat"); }
TEST_F(IbsiPhantom, IntensityHistogram) { checkFamily("ih"); }
TEST_F(IbsiPhantom, IntensityVolumeHistogram) { checkFamily("ivh"); }
TEST_F(IbsiPhantom, Glcm) { checkFamily("cm"); }
TEST_F(IbsiPhantom, Glrlm) { checkFamily("rlm"); }
TEST_F(IbsiPhantom, Glszm) { checkFamily("szm"); }
TEST_F(IbsiPhantom, Gldzm) { checkFamily("dzm"); }
TEST_F(IbsiPhantom, Ngtdm) { checkFamily("ngt"); }
TEST_F(IbsiPhantom, Ngldm) { checkFamily("ngl"); }

}  // namespace
}  // namespace medpipe::test
