"""Writes a small TorchScript model with Debian's python3-torch, its model card, a patch and
PyTorch's own softmax of the forward pass on that patch, for tests/deep/test_unet_torch.cxx.

usage: torchscript_reference.py OUTDIR
  OUTDIR/net.pt, net.json     the model and its card (architecture torchscript, no normalisation)
  OUTDIR/patch.raw            float32, 1 x 1 x Z x Y x X (x fastest), Z, Y, X = 8, 12, 16
  OUTDIR/probabilities.raw    float32, softmax over the 3 channels of net(patch), 3 x Z x Y x X
  OUTDIR/newer.pt, newer.json the same model with an operator libtorch 1.13 does not know, as a
                              file saved by a newer PyTorch would use one
"""
import json
import os
import sys
import zipfile

import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv3d(1, 4, 3, padding=1)
        self.conv2 = torch.nn.Conv3d(4, 3, 1)

    def forward(self, x):
        return self.conv2(torch.relu(self.conv1(x)))


def main(out):
    torch.manual_seed(20)
    net = Net().eval()
    scripted = torch.jit.script(net)
    scripted.save(os.path.join(out, "net.pt"))
    card = {
        "name": "pytorch-reference",
        "architecture": {"type": "torchscript", "in-channels": 1},
        "input": {"patch": [16, 12, 8], "spacing": [1, 1, 1], "orientation": "LPS",
                  "normalisation": {"kind": "none"}},
        "output": {"activation": "softmax",
                   "labels": [{"value": 1, "name": "one", "color": [255, 0, 0]},
                              {"value": 2, "name": "two", "color": [0, 255, 0]}]},
    }
    for name in ("net", "newer"):
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(card, f)
    patch = torch.randn(1, 1, 8, 12, 16, generator=torch.Generator().manual_seed(7)) * 2
    with torch.no_grad():
        probabilities = torch.softmax(scripted(patch), dim=1)
    patch.numpy().astype("float32").tofile(os.path.join(out, "patch.raw"))
    probabilities.numpy().astype("float32").tofile(os.path.join(out, "probabilities.raw"))

    # An operator from "the future": the archive's code calls a builtin 1.13 lacks.
    with zipfile.ZipFile(os.path.join(out, "net.pt")) as src, \
            zipfile.ZipFile(os.path.join(out, "newer.pt"), "w", zipfile.ZIP_STORED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith(".py"):
                data = data.replace(b"torch.relu(", b"torch.relu_from_pytorch_3(")
            dst.writestr(item, data)


if __name__ == "__main__":
    main(sys.argv[1])
