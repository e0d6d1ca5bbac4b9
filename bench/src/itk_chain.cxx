// The demo chain written as a plain ITK program, the reference for `medpipe run` in the pipeline
// benchmark: curvature anisotropic diffusion -> binary threshold -> largest connected component ->
// label statistics, reading a NIfTI and writing the same outputs (gzip level 1).
//   itk_chain INPUT.nii.gz OUTPUT_DIR ITERATIONS
#include <itkBinaryThresholdImageFilter.h>
#include <itkCastImageFilter.h>
#include <itkConnectedComponentImageFilter.h>
#include <itkCurvatureAnisotropicDiffusionImageFilter.h>
#include <itkImageFileReader.h>
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
    std::fprintf(stderr, "usage: itk_chain INPUT OUTPUT_DIR ITERATIONS\n");
    return 2;
  }
  itk::Object::GlobalWarningDisplayOff();
  const std::string out = argv[2];
  auto reader = itk::ImageFileReader<ImageF>::New();
  reader->SetFileName(argv[1]);
  reader->Update();
  const auto spacing = reader->GetOutput()->GetSpacing();
  const double minSpacing = std::min({spacing[0], spacing[1], spacing[2]});

  auto diffusion = itk::CurvatureAnisotropicDiffusionImageFilter<ImageF, ImageF>::New();
  diffusion->SetInput(reader->GetOutput());
  diffusion->SetNumberOfIterations(std::atoi(argv[3]));
  diffusion->SetConductanceParameter(1.5);
  diffusion->SetTimeStep(minSpacing / 16);
  diffusion->Update();
  write(diffusion->GetOutput(), out + "/denoised.nii");

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
