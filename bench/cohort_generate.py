#!/usr/bin/env python3
"""Writes a synthetic `medpipe run` batch output for the cohort benchmark: UNITS unit folders, each
with provenance.json, status.json, series.json and FEATURES numbers in two per-label tables (two
steps, two labels each), as medpipe's label-statistics writes them; and LONG, the same numbers in
long form (unit,step,label,feature,value) for the reference load with the sqlite3 shell.

    cohort_generate.py OUT UNITS FEATURES LONG
"""
import json
import os
import random
import sys

out, units, features, long_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
steps = ["organ-stats", "texture-stats"]
labels = [1, 2]
per_table = features // (len(steps) * len(labels))  # columns per table besides `label`
random.seed(17)
os.makedirs(out, exist_ok=True)
with open(long_path, "w") as long_file:
    for u in range(units):
        unit = f"{u + 1}_Series_{u + 1}_{u * 2654435761 % 2**32:08x}"
        folder = os.path.join(out, unit)
        os.makedirs(folder, exist_ok=True)
        outputs = []
        for step in steps:
            columns = [f"f{c:03d}" for c in range(per_table)]
            lines = ["label," + ",".join(columns)]
            for label in labels:
                values = [f"{random.gauss(100 * label + c, 5 + c % 7):.10g}" for c in range(per_table)]
                lines.append(f"{label}," + ",".join(values))
                long_file.writelines(f"{unit},{step},{label},{c},{v}\n" for c, v in zip(columns, values))
            with open(os.path.join(folder, f"{step}.csv"), "w") as f:
                f.write("\n".join(lines) + "\n")
            outputs.append({"step": step, "file": f"{step}.csv"})
        provenance = {
            "versions": {"medpipe": "0.1.0"}, "config": "bench.yaml", "configHash": "00000000000000aa",
            "input": {"description": unit, "seriesInstanceUids": [f"1.2.826.0.1.3680043.17.{u + 1}"],
                      "contentHash": f"{u:016x}"},
            "steps": [], "outputs": outputs,
        }
        with open(os.path.join(folder, "provenance.json"), "w") as f:
            json.dump(provenance, f, indent=2)
        with open(os.path.join(folder, "status.json"), "w") as f:
            json.dump({"unit": unit, "ok": True, "skipped": False, "error": "", "seconds": 1.5}, f)
        facts = {"Modality": "CT", "Manufacturer": "medpipe", "ManufacturerModelName": "Bench", "ConvolutionKernel": "B30f",
                 "KVP": random.choice([100, 120, 140]), "XRayTubeCurrent": random.randint(80, 400), "SliceThickness": 1.0,
                 "SpacingMM": [0.7, 0.7, 1.0], "Dimensions": [512, 512, 300], "SlicesRead": 300, "MissingSlices": 0,
                 "NonUniformSpacing": False, "GantryTiltDegrees": 0, "Health": "OK",
                 "SeriesInstanceUIDHash": f"{u * 40503:016x}", "StudyInstanceUIDHash": f"{u // 3:016x}"}
        with open(os.path.join(folder, "series.json"), "w") as f:
            json.dump(facts, f, indent=2)
