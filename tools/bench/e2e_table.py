#!/usr/bin/python3.11
"""Markdown tables of an e2e.sh run (io.resnet4j.bench.PairedBench's "pair" lines in target/e2e/paired-*.tsv).

Per workload and JDK: resnet4j's median img/s over the rounds, PyTorch's (the fastest of its malloc variants,
named: default, tuned, thp), and the median of the per-round ratios resnet4j / PyTorch with their range (each
ratio compares blocks of one round, run one after the other). Batch-1 inference also as ms per image. A second
table gives images per CPU-second of the process.

usage: /usr/bin/python3.11 tools/bench/e2e_table.py target/e2e
"""
import glob
import os
import sys

ORDER = {"resnet20": 0, "resnet56": 1, "resnet110": 2, "resnet50": 3}
MODES = {"train": 0, "infer": 1, "frozen": 2}


def read(directory):
    rows, jdks = {}, set()
    for path in sorted(glob.glob(os.path.join(directory, "paired-*.tsv"))):
        for line in open(path):
            f = line.rstrip("\n").split("\t")
            if f[0] != "pair" or len(f) not in (13, 14):
                continue
            if len(f) == 14:
                # before the thp variant: default and tuned img/s in two columns
                f[6:8] = [f"default={f[6]},tuned={f[7]}"]
            variants = dict((v.split("=")[0], float(v.split("=")[1])) for v in f[6].split(","))
            jdk = f[1].replace("jdk", "JDK ")
            jdks.add(jdk)
            rows.setdefault((f[2], f[3], int(f[4])), {})[jdk] = {
                "r4j": float(f[5]), "torch": variants[f[7]], "variant": f[7],
                "ratio": (float(f[8]), float(f[9]), float(f[10])), "r4j_cpu": float(f[11]), "torch_cpu": float(f[12])}
    return rows, sorted(jdks, key=lambda j: int(j.split()[1]))


def speed(v, batch, mode):
    return f"{v:.1f} ({1e3 / v:.1f} ms)" if batch == 1 and mode != "train" else f"{v:.1f}"


def table(title, columns, keys, jdks, rows, cells):
    """One markdown table: per JDK the given columns, each row's cells from cells(record) (3 per JDK)."""
    print(f"\n{title}\n")
    print("| model | mode | batch |" + "".join(f" {c.format(j=j)} |" for j in jdks for c in columns))
    print("|---|---|---:|" + "---:|" * (len(columns) * len(jdks)))
    for k in keys:
        row = []
        for j in jdks:
            r = rows[k].get(j)
            row += ["–"] * len(columns) if r is None else cells(k, r)
        print(f"| {k[0]} | {k[1]} | {k[2]} | " + " | ".join(row) + " |")


def main():
    rows, jdks = read(sys.argv[1] if len(sys.argv) > 1 else "target/e2e")
    keys = sorted(rows, key=lambda k: (ORDER.get(k[0], 9), MODES.get(k[1], 9), -k[2]))
    table("img/s (wall), median over the rounds; ratio resnet4j / PyTorch: median of the rounds [min-max]",
          ["resnet4j {j}", "PyTorch ({j} run)", "ratio ({j} run)"], keys, jdks, rows,
          lambda k, r: [speed(r["r4j"], k[2], k[1]), speed(r["torch"], k[2], k[1]) + " " + r["variant"],
                        f"**{r['ratio'][0]:.2f}** [{r['ratio'][1]:.2f}-{r['ratio'][2]:.2f}]"])
    table("img per CPU-second of the process, median over the rounds",
          ["resnet4j {j}", "PyTorch ({j} run)", "ratio"], keys, jdks, rows,
          lambda k, r: [f"{r['r4j_cpu']:.1f}", f"{r['torch_cpu']:.1f}", f"{r['r4j_cpu'] / r['torch_cpu']:.2f}"])


if __name__ == "__main__":
    main()
