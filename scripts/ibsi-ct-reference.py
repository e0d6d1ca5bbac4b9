#!/usr/bin/env python3
"""Reference values of IBSI 1's CT phantom configurations A-E, as a CSV medpipe's test reads.

The values are in the IBSI reference manual, one table per feature (chapter 3), whose source is
github.com/theibsi/ibsi-doc. This reads docs/03_Image_features.rst of a copy of that repository
and writes config,family,tag,ibsi_code,aggregation,value,tolerance,consensus (the digital phantom's
rows are left out: ../shared/data/ibsi-digital-phantom has them). Tags come from medpipe's feature
catalogue (modules/radiomics/src/catalogue.cxx), so they are the ones `medpipe radiomics` writes.

usage: ibsi-ct-reference.py IBSI_DOC_DIR OUT.csv     (see scripts/get-ibsi-ct-phantom.sh)
"""
import csv
import pathlib
import re
import sys

SUFFIX = {
    "2D, averaged": "_2D_avg", "2D, slice-merged": "_2D_comb", "2.5D, direction-merged": "_2_5D_avg",
    "2.5D, merged": "_2_5D_comb", "3D, averaged": "_3D_avg", "3D, merged": "_3D_comb",
    "2D": "_2D", "2.5D": "_2_5D", "3D": "_3D", "": "",
}
# Two features per IVH code: the table caption says which.
IVH_CAPTION = {
    "volume fraction at 10% intensity": "ivh_v10", "volume fraction at 90% intensity": "ivh_v90",
    "intensity at 10% volume": "ivh_i10", "intensity at 90% volume": "ivh_i90",
}
# The manual's sections whose code is a copy slip (p10 carries the minimum's 1PR8, p90 p10's GPMT).
ANCHOR = {"feat_int_hist_p10": ("ih", "ih_p10"), "feat_int_hist_p90": ("ih", "ih_p90")}


def catalogue(source: pathlib.Path):
    """code -> [(family, tag)] and name -> [(family, tag)] from catalogue.cxx."""
    codes, names = {}, {}
    for family, tag, code, name in re.findall(r'\{"(\w+)", "(\w+)", "(\w{4})", "([^"]+)"\}', source.read_text()):
        codes.setdefault(code, []).append((family, tag))
        names.setdefault(name.lower(), []).append((family, tag))
    return codes, names


def number(text: str):
    """'0.109', ':math:`3.58 \\times 10^{5}`', '—' -> float or None."""
    text = re.sub(r":math:`-`\\?\s*", "-", text.strip()).replace("−", "-")
    m = re.fullmatch(r"(-?):math:`(-?[\d.]+)\s*\\times\s*10\^\{(-?\d+)\}`", text)
    if m:
        return float(m.group(1) + m.group(2)) * 10 ** int(m.group(3))
    m = re.fullmatch(r":math:`(-?[\d.]+)`", text)
    if m:
        return float(m.group(1))
    if text in ("—", "-", ""):
        return None  # no value (or no tolerance)
    try:
        return float(text)
    except ValueError:
        sys.exit(f"cannot read the number '{text}'")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    manual = pathlib.Path(sys.argv[1]) / "docs" / "03_Image_features.rst"
    if not manual.is_file():
        sys.exit(f"{manual}: not found (give the folder of a copy of github.com/theibsi/ibsi-doc)")
    codes, names = catalogue(pathlib.Path(__file__).resolve().parent.parent / "modules/radiomics/src/catalogue.cxx")
    rows, code, caption, heading, previous, anchor = [], None, "", "", "", ""
    for line in manual.read_text(encoding="utf-8").splitlines():
        if re.fullmatch(r"\^{3,}", line) and previous.strip():
            heading, code, caption = previous.strip(), None, ""  # a feature's section
        previous = line
        m = re.fullmatch(r"\.\. _(\w+):", line.strip())
        if m:
            anchor = m.group(1)
        m = re.search(r'text-align:right">(\w{4})</p>', line)
        if m:
            code, caption = m.group(1), ""
            continue
        m = re.search(r"Reference values for the \*(.+?)\* feature", line)
        if m:
            caption = m.group(1)
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.strip().startswith("|") else []
        if not cells or not cells[0].startswith("config. "):
            continue
        config = cells[0][-1]
        aggregation = cells[1] if len(cells) == 5 else ""
        value, tolerance, consensus = number(cells[-3]), number(cells[-2]), cells[-1]
        if value is None:
            continue  # the manual gives no reference value here
        # A feature without its own code (GLSZM small zone emphasis): its section heading.
        entries = codes.get(code, []) if code else names.get(heading.lower(), [])
        if anchor in ANCHOR:
            entries = [ANCHOR[anchor]]
        if len(entries) > 1:
            entries = [e for e in entries if e[1] == IVH_CAPTION.get(caption)]
        if len(entries) != 1:
            sys.exit(f"{manual}: feature {code or heading} ({caption}) is not in medpipe's catalogue once")
        family, tag = entries[0]
        rows.append([config, family, tag + SUFFIX[aggregation], code, aggregation, f"{value:.6g}",
                     f"{tolerance or 0:.6g}", consensus])
    with open(sys.argv[2], "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["config", "family", "tag", "ibsi_code", "aggregation", "value", "tolerance", "consensus"])
        writer.writerows(rows)
    counts = {c: sum(1 for r in rows if r[0] == c) for c in "ABCDE"}
    print(f"{sys.argv[2]}: {len(rows)} reference values (" + ", ".join(f"{c}: {n}" for c, n in counts.items()) + ")")


if __name__ == "__main__":
    main()
