"""`cmake --install` puts the module where Debian's python3 looks: below /usr/local by default."""
import os
import subprocess
import sys
import sysconfig
import tempfile
import unittest


class Install(unittest.TestCase):
    def test_the_installed_module_imports_from_debians_site_folder(self):
        relative = os.environ["MEDPIPE_PYTHON_INSTALL_DIR"]
        # Debian's python3 searches <prefix>/<relative> for the default prefix /usr/local.
        self.assertIn(os.path.join("/usr/local", relative), sys.path)
        self.assertEqual(sys.executable, "/usr/bin/python3")
        with tempfile.TemporaryDirectory(prefix="medpipe-install-") as prefix:
            subprocess.run([os.environ["CMAKE_COMMAND"], "--install", os.environ["BUILD_DIR"], "--component", "python",
                            "--prefix", prefix], check=True, capture_output=True)
            folder = os.path.join(prefix, relative)
            suffix = sysconfig.get_config_var("EXT_SUFFIX")
            self.assertTrue(os.path.isfile(os.path.join(folder, "medpipe" + suffix)), os.listdir(folder))
            env = dict(os.environ, PYTHONPATH=folder)
            probe = subprocess.run([sys.executable, "-c", "import medpipe; print(medpipe.__file__); print(len(medpipe.stages()))"],
                                   env=env, capture_output=True, text=True, check=True)
            path, count = probe.stdout.split()
            self.assertTrue(path.startswith(folder), path)
            self.assertGreaterEqual(int(count), 30)


if __name__ == "__main__":
    unittest.main()
