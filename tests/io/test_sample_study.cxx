// The bundled sample study is exactly what `medpipe phantom` writes with its defaults.
#include <gtest/gtest.h>

#include "image_compare.h"
#include "medpipe/io/dicom_conversion.h"
#include "medpipe/io/dicom_index.h"
#include "medpipe/io/image_file.h"
#include "test_support.h"

namespace medpipe {

TEST(SampleStudy, MatchesTheGenerator) {
  const std::filesystem::path sample = std::filesystem::path(MEDPIPE_SOURCE_DIR) / "testdata" / "sample-ct";
  const DicomIndex index = indexDicomFolder(sample / "dicom");
  ASSERT_EQ(index.volumes.size(), 1u);
  const auto image = readVolume(index.volumes[0], IrregularGeometry::Fail);
  const Phantom expected = makeBodyPhantom();
  const auto cmp = test::compareInPhysicalSpace(*expected.image, *image, 1e-4);
  ASSERT_TRUE(cmp.sameGrid) << cmp.gridProblem;
  EXPECT_EQ(cmp.maxValueDifference, 0.0);
  const auto labels = readLabelImage(sample / "labels.nii.gz");
  std::string why;
  ASSERT_TRUE(test::sameGeometry(*expected.labels, *labels, 1e-4, &why)) << why;
  EXPECT_TRUE(std::equal(labels->GetBufferPointer(), labels->GetBufferPointer() + labels->GetPixelContainer()->Size(),
                         expected.labels->GetBufferPointer()));
}

}  // namespace medpipe
