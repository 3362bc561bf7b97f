#!/usr/bin/python3.11
"""The FMA loops C2 compiled, disassembled, to check a register tile for spills (BENCHMARKS.md, "JDK 25: a 4 x 2
micro-kernel"). Debian's hsdis plugin (libhsdis0-fcml) makes -XX:+PrintAssembly print each compiled method's code
bytes, but it does not decode them for OpenJDK 17 or Temurin 25; this script feeds the bytes to objdump.

For every C2-compiled method with FMAs it prints the name, the number of FMAs, and the number of ymm/zmm moves to
or from the stack between its first and its last FMA: a tile that fits its registers has none (JDK 25's 6 x 2
micro-kernel has 2, the spilled accumulator's load and store). OSR compilations (marked %) also box vectors there.
--show NAME prints the instructions from a few before the first FMA to a few after the last one, for the first
non-OSR compilation whose header contains NAME.

usage:
  sudo apt-get install libhsdis0-fcml
  mkdir -p /tmp/hsdis && cp /usr/lib/x86_64-linux-gnu/libhsdis.so.0 /tmp/hsdis/hsdis-amd64.so
  LD_LIBRARY_PATH=/tmp/hsdis java --add-modules=jdk.incubator.vector -XX:+UnlockDiagnosticVMOptions \\
      '-XX:CompileCommand=print,io.resnet4j.kernels.vector.*::*' -XX:CompileCommand=quiet \\
      -cp $CP io.resnet4j.kernels.vector.ConvAB --rounds 2 > /tmp/asm.txt 2>&1
  /usr/bin/python3.11 tools/bench/c2_loops.py /tmp/asm.txt [--show 'MicroKernel$K6x2::run']
"""
import re
import subprocess
import sys
import tempfile

CODE = re.compile(r"\s+0x([0-9a-f]+): ([0-9a-f| ]+)$")
STACK = re.compile(r"vmov\w+\s+([yz]mm\d+,\w+ PTR \[rsp|\w+ PTR \[rsp[^\]]*\],[yz]mm)")


def methods(lines):
    """(header, code bytes) of every C2 compilation in a -XX:+PrintAssembly log."""
    heads = [i for i, l in enumerate(lines) if l.startswith("Compiled method (c2)")] + [len(lines)]
    for h, nxt in zip(heads, heads[1:]):
        out, base = bytearray(), None
        for line in lines[h + 1:nxt]:
            if line.startswith("[Exception Handler]") or line.startswith("[Stub Code]"):
                break
            m = CODE.match(line)
            if not m:
                continue
            hexs = m.group(2).replace("|", "").replace(" ", "")
            if not re.fullmatch(r"[0-9a-f]+", hexs) or len(hexs) % 2:
                continue
            addr = int(m.group(1), 16)
            base = addr if base is None else base
            if addr < base + len(out):
                continue
            out += b"\x90" * (addr - base - len(out)) + bytes.fromhex(hexs)
        if out:
            yield lines[h], bytes(out)


def disassemble(code):
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(code)
        f.flush()
        text = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", "-M", "intel", f.name],
                              capture_output=True, text=True, check=True).stdout
    return [l.split("\t")[-1] for l in text.split("\n") if "\t" in l]


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    lines = open(sys.argv[1], errors="replace").read().split("\n")
    show = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--show" else None
    for header, code in methods(lines):
        if show is not None and (show not in header or " % " in header):
            continue
        ins = disassemble(code)
        fmas = [i for i, l in enumerate(ins) if "vfmadd" in l]
        if not fmas:
            continue
        if show is not None:
            print(header)
            print("\n".join(ins[max(0, fmas[0] - 12):fmas[-1] + 8]))
            return
        stack = sum(1 for l in ins[fmas[0]:fmas[-1]] if STACK.search(l))
        print(f"{len(fmas):5d} FMAs {stack:4d} vector stack moves  {header.split(None, 5)[-1]}")
    if show is not None:
        raise SystemExit(f"no C2 compilation with FMAs matches {show!r}")


if __name__ == "__main__":
    main()
