#!/usr/bin/python3.11
"""Markdown table of an e2e.sh run: img/s of resnet4j (per JDK) and PyTorch (per malloc variant), the ratio
of the best of each; batch-1 inference also as ms per image. A second table gives images per CPU-second of
the process (less sensitive to co-runners stealing the cores, not to cache and memory contention).

usage: /usr/bin/python3.11 tools/bench/e2e_table.py target/e2e
"""
import glob
import os
import sys


def read(directory):
    rows = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.tsv"))):
        if os.path.basename(path) == "validation.tsv":
            continue
        for line in open(path):
            f = line.rstrip("\n").split("\t")
            if len(f) != 8 or f[0] not in ("r4j", "torch"):
                continue
            system = ("resnet4j " + f[1].replace("jdk", "JDK ")) if f[0] == "r4j" else ("PyTorch " + f[1])
            key = (f[2], f[3], int(f[4]))
            rows.setdefault(key, {})[system] = (float(f[5]), float(f[6]), float(f[7]))
    return rows


def main():
    rows = read(sys.argv[1] if len(sys.argv) > 1 else "target/e2e")
    systems = sorted({s for r in rows.values() for s in r}, key=lambda s: (not s.startswith("resnet4j"), s))
    order = {"resnet20": 0, "resnet56": 1, "resnet110": 2, "resnet50": 3}
    modes = {"train": 0, "infer": 1, "frozen": 2}
    keys = sorted(rows, key=lambda k: (order.get(k[0], 9), modes.get(k[1], 9), -k[2]))
    for title, idx in (("img/s (wall)", 0), ("img per CPU-second of the process", 1)):
        print(f"\n{title}\n")
        print("| model | mode | batch | " + " | ".join(systems) + " | resnet4j / PyTorch (best of each) |")
        print("|---|---|---:|" + "---:|" * len(systems) + "---:|")
        for k in keys:
            r = rows[k]
            cells = []
            for s in systems:
                if s not in r:
                    cells.append("–")
                elif idx == 0 and k[1] != "train" and k[2] == 1:
                    cells.append(f"{r[s][0]:.1f} ({r[s][2]:.1f} ms)")
                else:
                    cells.append(f"{r[s][idx]:.1f}")
            mine = [r[s][idx] for s in r if s.startswith("resnet4j")]
            theirs = [r[s][idx] for s in r if s.startswith("PyTorch")]
            ratio = f"{max(mine) / max(theirs):.2f}" if mine and theirs else "–"
            print(f"| {k[0]} | {k[1]} | {k[2]} | " + " | ".join(cells) + f" | {ratio} |")


if __name__ == "__main__":
    main()
