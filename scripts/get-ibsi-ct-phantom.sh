#!/usr/bin/env bash
# Fetches IBSI 1's CT radiomics phantom and writes its reference values for configurations A-E,
# for tests/radiomics/test_ibsi_ct_phantom.cxx. Neither is in the repository: the phantom is
# CC BY-NC 3.0 (github.com/theibsi/data_sets), the values are the IBSI reference manual's
# (github.com/theibsi/ibsi-doc, docs/03_Image_features.rst).
#
# usage: scripts/get-ibsi-ct-phantom.sh [DIR]     (default: ../shared/data/ibsi-ct-phantom)
# then:  MEDPIPE_IBSI_CT_DIR=DIR ctest --test-dir build -R IbsiCtPhantom
# DIR gets nifti/{image/phantom.nii.gz,mask/mask.nii.gz}, dicom/ (CT series + RTSTRUCT) and
# reference_values.csv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-$here/../../shared/data/ibsi-ct-phantom}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Copies already on disk can be given instead: IBSI_DATA_SETS=... IBSI_DOC=... (the two checkouts).
data_sets="${IBSI_DATA_SETS:-}"
if [ -z "$data_sets" ]; then
  data_sets="$work/data_sets"
  git clone -q --depth 1 --filter=blob:none --sparse https://github.com/theibsi/data_sets "$data_sets"
  git -C "$data_sets" sparse-checkout set ibsi_1_ct_radiomics_phantom
fi
doc="${IBSI_DOC:-}"
if [ -z "$doc" ]; then
  doc="$work/ibsi-doc"
  git clone -q --depth 1 https://github.com/theibsi/ibsi-doc "$doc"
fi
mkdir -p "$dir"
cp -r "$data_sets/ibsi_1_ct_radiomics_phantom/." "$dir/"
python3 "$here/ibsi-ct-reference.py" "$doc" "$dir/reference_values.csv"
echo "$dir: IBSI CT phantom ready"
