#!/usr/bin/python3
"""Reference values of medpipe's quality metrics, computed with numpy straight from the formulas in
docs/quality-metrics.md (an independent implementation: window SDs by np.std, not summed areas).

usage: quality_reference.py ct|mr FOLDER NX NY NZ SX SY
FOLDER holds image.f32 (float32, x fastest), labels.u8 and, for MR, corrected.f32 when present.
Prints one "name value" line per metric."""
import math
import os
import sys

import numpy as np


def load(folder, name, dtype, shape):
    return np.fromfile(os.path.join(folder, name), dtype=dtype).reshape(shape)


def ct(v, body, sx, sy):
    out = {}
    air = v[~body]
    soft_mask = body & (v >= 0) & (v <= 100)
    soft = v[soft_mask]
    out["air-mean"], out["air-sd"] = air.mean(), air.std(ddof=1)
    out["soft-tissue-mean"], out["soft-tissue-sd"] = soft.mean(), soft.std(ddof=1)
    # Global noise level: mode of the local SDs (7x7 in-plane, clipped at the edges) in soft tissue.
    r, width = 3, 1.0
    nz, ny, nx = v.shape
    bins = {}
    for z, y, x in zip(*np.nonzero(soft_mask)):
        window = v[z, max(0, y - r):y + r + 1, max(0, x - r):x + r + 1]
        b = math.floor(window.std(ddof=1) / width)
        bins[b] = bins.get(b, 0) + 1
    best = max(bins.values())
    out["noise-gnl"] = (min(b for b, c in bins.items() if c == best) + 0.5) * width
    weds = []
    truncated = 0
    for z in range(nz):
        s = body[z]
        if s[0, :].any() or s[-1, :].any() or s[:, 0].any() or s[:, -1].any():
            truncated += 1
        if s.any():
            wed = 2 * math.sqrt(max(0.0, v[z][s].mean() / 1000 + 1) * s.sum() * sx * sy / math.pi)
            out["wed-mm-%d" % z] = wed
            weds.append(wed)
    out["wed-mm"] = np.mean(weds)
    out["clipped-low-fraction"] = (v == v.min()).mean()
    out["clipped-high-fraction"] = (v == v.max()).mean()
    out["truncated"] = truncated
    out["truncated-fraction"] = truncated / nz
    out["metal-fraction"] = (v[body] > 3000).sum() / body.sum()
    return out


def stats(values):
    med = np.median(values)
    return {"n": values.size, "median": med, "sd": values.std(),
            "mad": np.median(np.abs(values - med)) / 0.6744897501960817}


def cross(mask, erode):
    padded = np.pad(mask, 1, constant_values=False)
    out = padded.copy()
    for axis in range(3):
        for shift in (-1, 1):
            moved = np.roll(padded, shift, axis=axis)
            out = (out & moved) if erode else (out | moved)
    return out[1:-1, 1:-1, 1:-1]


def mr(raw, labels, corrected):
    x = np.maximum(corrected if corrected is not None else raw, 0).astype(np.float64)
    head = labels > 0
    air, csf, gm, wm = (stats(x[labels == k]) for k in range(4))
    out = {}
    factor = 0.6551364
    for name, s in (("csf", csf), ("gm", gm), ("wm", wm)):
        out["snr-" + name] = s["median"] / (s["sd"] * math.sqrt(s["n"] / (s["n"] - 1)))
        if air["mad"] > 1.0:
            out["snrd-" + name] = factor * s["median"] / air["mad"]
        else:
            out["snrd-" + name] = factor * s["median"] / air["sd"] if air["sd"] > 1e-3 else -1.0
    out["snr"] = np.mean([out["snr-csf"], out["snr-wm"], out["snr-gm"]])
    out["snrd"] = np.mean([out["snrd-csf"], out["snrd-wm"], out["snrd-gm"]])
    out["cnr"] = abs(wm["median"] - gm["median"]) / math.sqrt(air["sd"] ** 2 + gm["sd"] ** 2 + wm["sd"] ** 2)
    out["cjv"] = (wm["mad"] + gm["mad"]) / abs(wm["median"] - gm["median"])
    out["fber"] = np.median(np.abs(x[head]) ** 2) / np.median(np.abs(x[~head]) ** 2)
    n = x.size
    efc_max = n * (1 / math.sqrt(n)) * math.log(1 / math.sqrt(n))
    b_max = math.sqrt((x ** 2).sum())
    out["efc"] = (1 / efc_max) * np.sum((x / b_max) * np.log((x + 1e-16) / b_max))
    out["wm2max"] = wm["median"] / np.percentile(x.reshape(-1), 99.95)
    background = x[~head]
    positive = background[background > 0]
    spread = np.median(np.abs(positive - np.median(positive))) / 0.6744897501960817
    artefact = (~head) & (x > 0) & (x / spread > 10)
    artefact = cross(cross(artefact, True), False)
    out["qi1"] = artefact.sum() / (~head).sum()
    fwhm = []
    for axis in (2, 1, 0):  # numpy axes of x, y, z
        a = np.moveaxis(x, axis, 0)
        h = np.moveaxis(head, axis, 0)
        pairs = h[:-1] & h[1:]
        diff = (a[1:] - a[:-1])[pairs]
        rho = 1 - diff.var() / (2 * a[h].var())
        fwhm.append(math.sqrt(-2 * math.log(2) / math.log(rho)))
    out["fwhm-x"], out["fwhm-y"], out["fwhm-z"] = fwhm
    out["fwhm-avg"] = np.mean(fwhm)
    if corrected is not None:
        use = head & (corrected > 0)
        bias = raw[use].astype(np.float64) / corrected[use].astype(np.float64)
        out["inu-range"] = abs(np.percentile(bias, 95) - np.percentile(bias, 5))
        out["inu-median"] = np.median(bias)
    return out


def main():
    kind, folder = sys.argv[1], sys.argv[2]
    nx, ny, nz = (int(a) for a in sys.argv[3:6])
    sx, sy = (float(a) for a in sys.argv[6:8])
    shape = (nz, ny, nx)
    image = load(folder, "image.f32", np.float32, shape)
    labels = load(folder, "labels.u8", np.uint8, shape)
    if kind == "ct":
        values = ct(image.astype(np.float64), labels > 0, sx, sy)
    else:
        path = os.path.join(folder, "corrected.f32")
        corrected = load(folder, "corrected.f32", np.float32, shape) if os.path.exists(path) else None
        values = mr(image, labels, corrected)
    for name, value in sorted(values.items()):
        print(name, repr(float(value)))


main()
