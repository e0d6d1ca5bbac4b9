"""Shared by the Python module tests: the medpipe CLI, phantom studies and nibabel geometry."""
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

MEDPIPE_EXE = os.environ["MEDPIPE_EXE"]


def run_medpipe(*args):
    result = subprocess.run([MEDPIPE_EXE, *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"medpipe {' '.join(map(str, args))} failed ({result.returncode}):\n{result.stderr}")
    return result


def lps_affine(volume):
    """The 4x4 voxel (x, y, z) -> LPS mm matrix of a medpipe.Volume."""
    affine = np.eye(4)
    affine[:3, :3] = np.asarray(volume.direction) @ np.diag(volume.spacing)
    affine[:3, 3] = volume.origin
    return affine


RAS_FROM_LPS = np.diag([-1.0, -1.0, 1.0, 1.0])


def nifti_zyx(path):
    """A NIfTI file read with nibabel: (voxels as (z, y, x) float32 with scaling applied, LPS affine)."""
    import nibabel
    image = nibabel.load(str(path))
    data = np.asarray(image.dataobj, dtype=np.float64)
    return data.transpose(2, 1, 0).astype(np.float32), RAS_FROM_LPS @ image.affine


class PhantomStudy(unittest.TestCase):
    """A small phantom CT series written by `medpipe phantom`, shared by a test class."""

    size = "48x40x12"
    spacing = "5x5x6"
    extra = ()

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="medpipe-python-")
        cls.study = os.path.join(cls.tmp, "study")
        run_medpipe("phantom", "-o", cls.study, "--size", cls.size, "--spacing", cls.spacing, *cls.extra)
        cls.dicom = os.path.join(cls.study, "dicom")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)
