"""import medpipe: stages, run_stage and run_pipeline against `medpipe run` of the same config."""
import csv
import filecmp
import os
import threading
import time
import unittest

import numpy as np

import medpipe
from medpipe_testing import PhantomStudy, lps_affine, nifti_zyx, run_medpipe

CONFIG = """input: {dicom}
steps:
  smoothed: {{stage: median, input: input, radius: 5}}
  bone: {{stage: binary-threshold, input: smoothed, lower: 300, upper: 3000, inside-value: 2}}
  stats: {{stage: label-statistics, input: {{image: input, labels: bone}}}}
outputs:
  - {{step: smoothed, file: smoothed.nii.gz}}
  - {{step: bone, file: bone.nii.gz}}
  - {{step: stats, file: stats.csv}}
"""


class Stages(PhantomStudy):
    size = "64x56x16"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = os.path.join(cls.tmp, "config.yaml")
        with open(cls.config, "w") as f:
            f.write(CONFIG.format(dicom=cls.dicom))
        cls.cli_out = os.path.join(cls.tmp, "cli")
        run_medpipe("run", cls.config, "--output", cls.cli_out, "--quiet")

    def test_stages_carry_their_parameter_specs(self):
        stages = {s["name"]: s for s in medpipe.stages()}
        self.assertGreaterEqual(len(stages), 30)
        median = stages["median"]
        self.assertEqual(median["category"], "denoise")
        self.assertEqual(median["output"], "image")
        radius = next(p for p in median["parameters"] if p["name"] == "radius")
        self.assertEqual((radius["type"], radius["unit"], radius["default"]), ("number", "mm", 1.0))
        self.assertEqual((radius["minimum"], radius["maximum"]), (0.01, 50.0))
        interpolation = next(p for p in stages["resample"]["parameters"] if p["name"] == "interpolation")
        self.assertEqual(interpolation["choices"], ["linear", "bspline", "nearest"])
        self.assertEqual([i["name"] for i in stages["label-statistics"]["inputs"]], ["image", "labels"])

    def test_a_stage_from_python_equals_the_same_stage_in_a_config(self):
        volume = medpipe.read_series(self.dicom)
        smoothed = medpipe.run_stage("median", volume, radius=5)
        voxels, affine = nifti_zyx(os.path.join(self.cli_out, "smoothed.nii.gz"))
        np.testing.assert_array_equal(smoothed.array, voxels)
        np.testing.assert_allclose(lps_affine(smoothed), affine, atol=1e-4)
        self.assertGreater(np.abs(smoothed.array - volume.array).max(), 0)  # the stage did something
        bone = medpipe.run_stage("binary-threshold", smoothed, lower=300, upper=3000, inside_value=2)
        self.assertTrue(bone.is_labels)
        labels, _ = nifti_zyx(os.path.join(self.cli_out, "bone.nii.gz"))
        np.testing.assert_array_equal(bone.array, labels)
        self.assertEqual(set(np.unique(bone.array)), {0, 2})
        table = medpipe.run_stage("label-statistics", {"image": volume, "labels": bone})
        with open(os.path.join(self.cli_out, "stats.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(list(table.keys()), list(rows[0].keys()))
        for column, values in table.items():
            np.testing.assert_allclose(values, [float(r[column]) for r in rows], rtol=1e-5, err_msg=column)

    def test_stage_mistakes_raise_medpipe_errors(self):
        volume = medpipe.read_series(self.dicom)
        with self.assertRaises(medpipe.Error) as caught:
            medpipe.run_stage("median", volume, radios=2)
        self.assertEqual(caught.exception.field, "median.radios")
        self.assertIn("did you mean 'radius'", caught.exception.reason)
        with self.assertRaises(medpipe.Error) as caught:
            medpipe.run_stage("median", volume, radius=500)
        self.assertEqual(caught.exception.field, "median.radius")
        with self.assertRaises(medpipe.Error) as caught:
            medpipe.run_stage("label-statistics", {"image": volume})
        self.assertIn("needs input 'labels'", caught.exception.reason)
        self.assertTrue(issubclass(medpipe.Error, RuntimeError))

    def test_run_pipeline_writes_what_medpipe_run_writes_and_reports_progress(self):
        calls = []
        out = self.path("python-run")
        units = medpipe.run_pipeline(self.config, output=out, progress=lambda *a: calls.append(a))
        self.assertEqual(len(units), 1)
        self.assertTrue(units[0]["ok"], units[0])
        for name in ("smoothed.nii.gz", "bone.nii.gz", "stats.csv"):
            self.assertTrue(filecmp.cmp(os.path.join(out, name), os.path.join(self.cli_out, name), shallow=False), name)
        steps = [c[2] for c in calls if c[3] < 0]
        self.assertEqual(steps, ["smoothed", "bone", "stats"])
        self.assertTrue(all(c[1] == 3 for c in calls))
        self.assertTrue(all(c[3] < 0 or 0 <= c[3] <= 1 for c in calls))
        self.assertIn(("bone", 1.0), [(c[2], c[3]) for c in calls])
        # A rerun finds the outputs complete and skips the unit.
        self.assertTrue(medpipe.run_pipeline(self.config, output=out)[0]["skipped"])

    def test_an_exception_in_the_progress_callback_stops_the_run(self):
        def fail(index, count, step, fraction):
            if step == "bone":
                raise KeyError("stop here")

        out = self.path("stopped")
        with self.assertRaises(KeyError):
            medpipe.run_pipeline(self.config, output=out, progress=fail)
        self.assertFalse(os.path.exists(os.path.join(out, "stats.csv")))

    def test_config_problems_raise_with_every_problem(self):
        bad = self.path("bad.yaml")
        with open(bad, "w") as f:
            f.write(f"input: {self.dicom}\nsteps:\n  s: {{stage: medain, input: input}}\n  t: {{stage: median, input: s, radios: 1}}\n")
        with self.assertRaises(medpipe.Error) as caught:
            medpipe.run_pipeline(bad, output=self.path("bad-out"))
        self.assertEqual(caught.exception.file, bad)
        self.assertIn("2 problem(s)", caught.exception.reason)
        self.assertIn("unknown stage 'medain'", caught.exception.reason)

    def test_the_gil_is_released_while_a_stage_runs(self):
        # About a second of work: noise through ITK's 5x5x5 median (medpipe's own takes 0.1 s).
        volume = medpipe.Volume(np.random.default_rng(1).random((48, 96, 96), dtype=np.float32))
        span = {}

        def work():
            span["start"] = time.monotonic()
            medpipe.run_stage("median", volume, radius=2, implementation="itk")
            span["end"] = time.monotonic()

        ticks = []
        worker = threading.Thread(target=work)
        worker.start()
        while worker.is_alive():
            ticks.append(time.monotonic())
            time.sleep(0.001)
        worker.join()
        duration = span["end"] - span["start"]
        self.assertGreater(duration, 0.1, "the stage ran too briefly to tell")
        # Held GIL: the loop cannot run until the stage returns, so no tick falls inside the middle of
        # its span; released, ticks keep coming (one per few ms on a loaded machine).
        middle = [t for t in ticks if span["start"] + 0.1 * duration < t < span["end"] - 0.1 * duration]
        self.assertGreaterEqual(len(middle), 10, (len(middle), duration))


if __name__ == "__main__":
    unittest.main()
