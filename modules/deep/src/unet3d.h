#pragma once
// medpipe's 3D U-Net (libtorch): per level two 3x3x3 convolutions with instance norm and leaky ReLU
// (nnU-Net's block), max-pool down, transposed convolution up, skip connections, a 1x1x1 head.
// Included only by the two torch translation units (torch_network.cxx, torch_training.cxx).
#include <torch/torch.h>

#include <vector>

namespace medpipe::deep {

struct ConvBlockImpl : torch::nn::Module {
  ConvBlockImpl(int in, int out)
      : conv1(register_module("conv1", torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, 3).padding(1)))),
        norm1(register_module("norm1", torch::nn::InstanceNorm3d(torch::nn::InstanceNorm3dOptions(out).affine(true)))),
        conv2(register_module("conv2", torch::nn::Conv3d(torch::nn::Conv3dOptions(out, out, 3).padding(1)))),
        norm2(register_module("norm2", torch::nn::InstanceNorm3d(torch::nn::InstanceNorm3dOptions(out).affine(true)))) {}
  torch::Tensor forward(torch::Tensor x) {
    x = torch::leaky_relu(norm1(conv1(x)), 0.01);
    return torch::leaky_relu(norm2(conv2(x)), 0.01);
  }
  torch::nn::Conv3d conv1;
  torch::nn::InstanceNorm3d norm1;
  torch::nn::Conv3d conv2;
  torch::nn::InstanceNorm3d norm2;
};
TORCH_MODULE(ConvBlock);

struct UNet3dImpl : torch::nn::Module {
  UNet3dImpl(int inChannels, int outChannels, const std::vector<int>& channels) {
    int previous = inChannels;
    for (size_t l = 0; l < channels.size(); ++l) {
      down.push_back(register_module("down" + std::to_string(l), ConvBlock(previous, channels[l])));
      previous = channels[l];
    }
    for (size_t l = channels.size() - 1; l-- > 0;) {
      up.push_back(register_module("up" + std::to_string(l),
                                   torch::nn::ConvTranspose3d(torch::nn::ConvTranspose3dOptions(channels[l + 1], channels[l], 2).stride(2))));
      merge.push_back(register_module("merge" + std::to_string(l), ConvBlock(2 * channels[l], channels[l])));
    }
    head = register_module("head", torch::nn::Conv3d(torch::nn::Conv3dOptions(channels[0], outChannels, 1)));
  }
  torch::Tensor forward(torch::Tensor x) {
    std::vector<torch::Tensor> skips;
    for (size_t l = 0; l < down.size(); ++l) {
      x = down[l](x);
      if (l + 1 < down.size()) {
        skips.push_back(x);
        x = torch::max_pool3d(x, 2);
      }
    }
    for (size_t i = 0; i < up.size(); ++i) {
      x = up[i](x);
      x = merge[i](torch::cat({skips[skips.size() - 1 - i], x}, 1));
    }
    return head(x);
  }
  std::vector<ConvBlock> down, merge;
  std::vector<torch::nn::ConvTranspose3d> up;
  torch::nn::Conv3d head{nullptr};
};
TORCH_MODULE(UNet3d);

}  // namespace medpipe::deep
