"""import medpipe: scan, read_series and write against `medpipe convert`, read back with nibabel."""
import glob
import os
import unittest

import nibabel
import numpy as np

import medpipe
from medpipe_testing import PhantomStudy, lps_affine, nifti_zyx, run_medpipe


class ReadAndWrite(PhantomStudy):
    def converted(self):
        out = self.path("converted")
        if not os.path.isdir(out):
            run_medpipe("convert", self.dicom, "-o", out)
        (image,) = glob.glob(os.path.join(out, "*.nii.gz"))
        return image

    def test_scan_lists_the_study_and_series_without_phi(self):
        studies = medpipe.scan(self.dicom)
        self.assertEqual(len(studies), 1)
        study = studies[0]
        self.assertEqual(study.patient, 1)
        self.assertEqual(study.patient_name, "")  # PHI only when asked
        self.assertEqual(len(study.series), 1)
        series = study.series[0]
        self.assertEqual(series.modality, "CT")
        self.assertEqual(series.files, 12)
        self.assertEqual(series.dimensions, "48x40x12")
        self.assertEqual(series.health, "OK")
        np.testing.assert_allclose(series.spacing, (5, 5, 6))
        self.assertNotEqual(medpipe.scan(self.dicom, show_phi=True)[0].patient_name, "")

    def test_read_series_has_the_voxels_and_geometry_convert_writes(self):
        volume = medpipe.read_series(medpipe.scan(self.dicom)[0].series[0])
        self.assertEqual(volume.array.shape, (12, 40, 48))  # (z, y, x)
        self.assertEqual(volume.array.dtype, np.float32)
        self.assertFalse(volume.array.flags.owndata)  # a view of the library's buffer, not a copy
        self.assertEqual(volume.health, "OK")
        self.assertEqual(volume.findings, [])
        voxels, affine = nifti_zyx(self.converted())
        np.testing.assert_array_equal(volume.array, voxels)
        np.testing.assert_allclose(lps_affine(volume), affine, atol=1e-4)
        # The same through a folder and a selector.
        again = medpipe.read_series(self.dicom, series="modality=CT")
        np.testing.assert_array_equal(again.array, volume.array)

    def test_write_gives_the_file_convert_writes(self):
        volume = medpipe.read_series(self.dicom)
        out = self.path("written.nii.gz")
        medpipe.write(volume.array, volume, out)
        voxels, affine = nifti_zyx(out)
        reference, reference_affine = nifti_zyx(self.converted())
        np.testing.assert_array_equal(voxels, reference)
        np.testing.assert_allclose(affine, reference_affine, atol=1e-4)
        # An array computed in NumPy, with a dict as geometry; uint8 is written as a label map.
        mask = (volume.array > 300).astype(np.uint8)
        geometry = {"spacing": volume.spacing, "origin": volume.origin, "direction": volume.direction}
        medpipe.write(mask, geometry, self.path("mask.nrrd"))
        back = medpipe.read_series(self.path("mask.nrrd"))
        np.testing.assert_array_equal(back.array, mask.astype(np.float32))
        medpipe.write(mask, geometry, self.path("mask.nii.gz"))
        self.assertEqual(nibabel.load(self.path("mask.nii.gz")).get_data_dtype(), np.uint8)

    def test_errors_carry_file_field_and_reason(self):
        with self.assertRaises(medpipe.Error) as caught:
            medpipe.read_series(self.path("missing"))
        self.assertIn("missing", caught.exception.file)
        volume = medpipe.read_series(self.dicom)
        with self.assertRaises(medpipe.Error) as caught:
            medpipe.write(volume.array, {"spacing": (1, 0, 1), "origin": (0, 0, 0), "direction": np.eye(3)},
                          self.path("x.nii.gz"))
        self.assertEqual(caught.exception.field, "geometry.spacing")
        self.assertEqual(caught.exception.reason, "spacing must be positive")
        # A label map holds 0..255: 300 is refused, not wrapped to 44.
        with self.assertRaises(medpipe.Error) as caught:
            medpipe.run_stage("fill-holes", medpipe.Volume(np.full((2, 2, 2), 300, np.int32)))
        self.assertEqual(caught.exception.field, "array")
        self.assertIn("0..255", caught.exception.reason)
        with self.assertRaises(medpipe.Error) as caught:
            medpipe.write(volume.array, volume, self.path("x.txt"))
        self.assertEqual(caught.exception.field, "path")
        self.assertFalse(os.path.exists(self.path("x.txt")))


class ReadmeExample(PhantomStudy):
    def test_the_readme_example_runs(self):
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "README.md")) as f:
            readme = f.read()
        code = readme.split("## Python\n\n```python\n", 1)[1].split("```", 1)[0]
        self.assertEqual(len(code.strip().splitlines()), 5, code)
        out = self.path("bone.nii.gz")
        code = code.replace('"/data/export"', repr(self.dicom)).replace('"bone.nii.gz"', repr(out))
        exec(compile(code, "README.md", "exec"), {})
        labels = nibabel.load(out).get_fdata()
        self.assertGreater(labels.sum(), 0)


class HealthFindings(PhantomStudy):
    extra = ("--gantry-tilt", "12")

    def test_a_tilted_series_reports_the_tilt(self):
        series = medpipe.scan(self.dicom)[0].series[0]
        self.assertIn("tilt", series.health)
        volume = medpipe.read_series(series)
        self.assertTrue(any("tilt" in f for f in volume.findings), volume.findings)
        with self.assertRaises(medpipe.Error) as caught:
            medpipe.read_series(series, irregular="fail")
        self.assertIn("tilt", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
