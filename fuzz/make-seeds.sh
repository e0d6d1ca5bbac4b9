#!/usr/bin/env bash
# Regenerates the stored seeds in fuzz/corpus/ with `medpipe phantom` (tiny 16x16x3 CT series):
#   fuzz/make-seeds.sh [MEDPIPE_EXECUTABLE]      (default: build/apps/medpipe/medpipe)
# Seeds from ../shared/data and configs/ are not stored: scripts/fuzz.sh adds them at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
medpipe=${1:-build/apps/medpipe/medpipe}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
separator=$'\n--8<--\n'  # fuzz_series_reader splits its input into files here

rm -rf fuzz/corpus/dicom_header fuzz/corpus/series_reader
mkdir -p fuzz/corpus/dicom_header fuzz/corpus/series_reader
for variant in plain "oblique:--oblique 20" "tilt:--gantry-tilt 15"; do
  name=${variant%%:*}
  options=""
  [[ $variant == *:* ]] && options=${variant#*:}
  # shellcheck disable=SC2086  # options are two words on purpose
  "$medpipe" phantom -o "$work/$name" --size 16x16x3 --noise 5 $options >/dev/null
  cp "$work/$name/dicom/IM0002.dcm" "fuzz/corpus/dicom_header/phantom-$name.dcm"
  {
    cat "$work/$name/dicom/IM0001.dcm"; printf '%s' "$separator"
    cat "$work/$name/dicom/IM0002.dcm"; printf '%s' "$separator"
    cat "$work/$name/dicom/IM0003.dcm"
  } >"fuzz/corpus/series_reader/phantom-$name.series"
done
ls -l fuzz/corpus/*/
