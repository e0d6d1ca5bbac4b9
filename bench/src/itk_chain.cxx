// The README's demo pipeline (configs/ct-bone.yaml) written as a plain ITK program, the reference
// for `medpipe run` in the pipeline benchmark: read a DICOM series as ITK's examples do (GDCM series
// file names + ImageSeriesReader), curvature anisotropic diffusion -> binary threshold -> largest
// connected component -> label statistics, writing the same volumes with ITK's writer (.nii.gz at
// ITK's compression) and the statistics as CSV.
//   itk_chain DICOM_FOLDER OUTPUT_DIR ITERATIONS
#include <itkBinaryThresholdImageFilter.h>
#include <itkCastImageFilter.h>
#include <itkConnectedComponentImageFilter.h>
#include <itkCurvatureAnisotropicDiffusionImageFilter.h>
#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImageSeriesReader.h>
#include <itkImageFileWriter.h>
#include <itkLabelStatisticsImageFilter.h>
#include <itkRelabelComponentImageFilter.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

using ImageF = itk::Image<float, 3>;
using Labels = itk::Image<unsigned char, 3>;
using Labels32 = itk::Image<unsigned int, 3>;

template <typename TImage>
void write(const TImage* image, const std::string& path) {
  auto w = itk::ImageFileWriter<TImage>::New();
  w->SetInput(image), w->SetFileName(path), w->SetUseCompression(true), w->Update();
}

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: itk_chain DICOM_FOLDER OUTPUT_DIR ITERATIONS\n");
    return 2;
  }
  itk::Object::GlobalWarningDisplayOff();
  const std::string out = argv[2];
  auto names = itk::GDCMSeriesFileNames::New();
  names->SetUseSeriesDetails(true);
  names->SetDirectory(argv[1]);
  const auto series = names->GetSeriesUIDs();
  if (series.empty()) {
    std::fprintf(stderr, "no DICOM series in %s\n", argv[1]);
    return 1;
  }
  auto reader = itk::ImageSeriesReader<ImageF>::New();
  reader->SetImageIO(itk::GDCMImageIO::New());
  reader->SetFileNames(names->GetFileNames(series.front()));
  reader->Update();
  const auto spacing = reader->GetOutput()->GetSpacing();
  const double minSpacing = std::min({spacing[0], spacing[1], spacing[2]});

  auto diffusion = itk::CurvatureAnisotropicDiffusionImageFilter<ImageF, ImageF>::New();
  diffusion->SetInput(reader->GetOutput());
  diffusion->SetNumberOfIterations(std::atoi(argv[3]));
  diffusion->SetConductanceParameter(1.5);
  diffusion->SetTimeStep(minSpacing / 16);
  diffusion->Update();
  write(diffusion->GetOutput(), out + "/denoised.nii.gz");

  auto threshold = itk::BinaryThresholdImageFilter<ImageF, Labels>::New();
  threshold->SetInput(diffusion->GetOutput());
  threshold->SetLowerThreshold(300), threshold->SetUpperThreshold(3000);
  threshold->SetInsideValue(1), threshold->SetOutsideValue(0);
  threshold->Update();
  write(threshold->GetOutput(), out + "/bone.nii.gz");

  auto components = itk::ConnectedComponentImageFilter<Labels, Labels32>::New();
  components->SetInput(threshold->GetOutput());
  auto relabel = itk::RelabelComponentImageFilter<Labels32, Labels32>::New();
  relabel->SetInput(components->GetOutput());
  auto largest = itk::BinaryThresholdImageFilter<Labels32, Labels>::New();
  largest->SetInput(relabel->GetOutput());
  largest->SetLowerThreshold(1), largest->SetUpperThreshold(1), largest->SetInsideValue(1), largest->SetOutsideValue(0);
  largest->Update();
  write(largest->GetOutput(), out + "/spine.nii.gz");

  auto stats = itk::LabelStatisticsImageFilter<ImageF, Labels>::New();
  stats->SetInput(reader->GetOutput()), stats->SetLabelInput(largest->GetOutput()), stats->Update();
  std::ofstream csv(out + "/spine-stats.csv");
  csv << "label,voxels,mean,std,min,max\n1," << stats->GetCount(1) << "," << stats->GetMean(1) << "," << stats->GetSigma(1)
      << "," << stats->GetMinimum(1) << "," << stats->GetMaximum(1) << "\n";
  return 0;
}
