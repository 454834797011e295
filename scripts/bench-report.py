#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn make bench's results.csv into summary.md and gnuplot plots.

    scripts/bench-report.py DIR
    scripts/bench-report.py --check DIR


DIR holds results.csv (scenario,size,allocator,clock,init_on_alloc,value,
unit) as scripts/bench.sh writes it. Writes DIR/summary.md: per clock and
init_on_alloc policy, each timed scenario's ns per operation for SLUB and
goalloc and their ratio goalloc/SLUB (below 1: goalloc is cheaper), with
the geometric mean of the ratios per scenario; the memory sets; the
arena's size after everything is freed; the real-module workload. Then
the plots, as PNG (gnuplot): cost per size class on each clock, the
parallel scaling, the memory bars.

--check (make check, after a short run): every timed scenario has a value
for both allocators at every size on the time clock, pair and batch on the
icount clock too, every value is positive, the memory sets have both
backings, and the summary and plots exist. It asserts no timing.
"""

import csv
import math
import os
import subprocess
import sys
from collections import defaultdict

TIMED = ["pair", "pair_const", "batch_cold", "batch_warm", "cache_pair", "cache_batch",
         "cache_bulk16", "cache_bulk64", "remote", "parallel", "larson"]
SIZE_LABEL = {"parallel": "CPUs", "larson": "CPUs"}


def load(path):
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            rows.append(r)
    return rows


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


def size_key(s):
    v = num(s)
    return (0, v, "") if v is not None else (1, 0, s)


def gmean(xs):
    xs = [x for x in xs if x and x > 0]
    if not xs:
        return None
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}"


def timed_tables(rows):
    """{(clock, ioa): {scenario: {size: {alloc: value, alloc+'%': spread}}}}"""
    t = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    for r in rows:
        if r["scenario"] not in TIMED:
            continue
        key = (r["clock"], r["init_on_alloc"])
        if r["unit"] == "ns/op":
            t[key][r["scenario"]][r["size"]][r["allocator"]] = float(r["value"])
        elif r["unit"] == "spread%":
            t[key][r["scenario"]][r["size"]][r["allocator"] + "%"] = float(r["value"])
    return t


def ratio(d):
    s, g = d.get("slub"), d.get("goalloc")
    return g / s if s and g else None


def summary(rows, out):
    t = timed_tables(rows)
    lines = ["# goalloc against SLUB: `make bench`", "",
             "Ratios are goalloc/SLUB: below 1, goalloc is cheaper. Values are ns per",
             "operation (an allocation and its free); on the icount clock a guest ns is",
             "one instruction. Each value is the median of several measurements",
             "(see Documentation/benchmark.rst).", ""]
    lines += ["## Geometric means of goalloc/SLUB", ""]
    keys = sorted(t.keys(), key=lambda k: (k[0] != "icount", k[1]))
    head = "| scenario | " + " | ".join(f"{c}, init_on_alloc={a}" for c, a in keys) + " |"
    lines += [head, "|" + "---|" * (len(keys) + 1)]
    for sc in TIMED:
        cells = []
        for k in keys:
            sizes = t[k].get(sc, {})
            cells.append(fmt_ratio(gmean([ratio(d) for d in sizes.values()])))
        if any(c != "–" for c in cells):
            lines.append(f"| {sc} | " + " | ".join(cells) + " |")
    lines.append("")
    for k in keys:
        clock, ioa = k
        lines += [f"## {clock} clock, init_on_alloc={ioa}", ""]
        for sc in TIMED:
            sizes = t[k].get(sc)
            if not sizes:
                continue
            spread = any(("slub%" in d or "goalloc%" in d) for d in sizes.values())
            unit = SIZE_LABEL.get(sc, "size (B)")
            lines += [f"### {sc}", ""]
            if spread:
                lines += [f"| {unit} | SLUB ns/op | goalloc ns/op | goalloc/SLUB | spread SLUB | spread goalloc |",
                          "|---|---|---|---|---|---|"]
            else:
                lines += [f"| {unit} | SLUB ns/op | goalloc ns/op | goalloc/SLUB |", "|---|---|---|---|"]
            for size in sorted(sizes, key=size_key):
                d = sizes[size]
                row = f"| {size} | {d.get('slub', '–')} | {d.get('goalloc', '–')} | {fmt_ratio(ratio(d))} |"
                if spread:
                    row += f" {d.get('slub%', '–')}% | {d.get('goalloc%', '–')}% |"
                lines.append(row)
            g = gmean([ratio(d) for d in sizes.values()])
            lines += ["", f"Geometric mean of goalloc/SLUB: **{fmt_ratio(g)}**", ""]

    mem = [r for r in rows if r["scenario"] == "memory"]
    if mem:
        lines += ["## Memory", "",
                  "Backing for one live set, held: SLUB's is the growth of the kernel's",
                  "unreclaimable slab memory (`SUnreclaim`, per-CPU counts folded by",
                  "`/proc/sys/vm/stat_refresh`); goalloc's is its heap pages taken by spans",
                  "plus the growth of `SUnreclaim` (its span metadata is kmalloc'd).", ""]
        for clock, ioa in sorted({(r["clock"], r["init_on_alloc"]) for r in mem}):
            lines += [f"### {clock} clock, init_on_alloc={ioa}", ""]
            m = defaultdict(dict)
            for r in mem:
                if (r["clock"], r["init_on_alloc"]) == (clock, ioa):
                    m[r["size"]][(r["allocator"], r["unit"])] = float(r["value"])
            sets = [s for s in ("uniform", "pow2plus") if s in m]
            if sets:
                lines += ["| set | requested | SLUB backing | goalloc backing | goalloc/SLUB "
                          "| goalloc mapped |", "|---|---|---|---|---|---|"]
            for s in sets:
                d = m[s]
                sb, gb = d.get(("slub", "backing_bytes")), d.get(("goalloc", "backing_bytes"))
                req = d.get(("goalloc", "requested_bytes"))
                lines.append(f"| {s} | {mib(req)} | {mib(sb)} | {mib(gb)} | "
                             f"{fmt_ratio(gb / sb if sb and gb else None)} | "
                             f"{mib(d.get(('goalloc', 'mapped_bytes')))} |")
            lines += ["", "goalloc's arena (`mapped_bytes` of its heap):", "",
                      "| when | mapped |", "|---|---|"]
            for when, label in (("initial", "after loading"),
                                ("after_all", "after every scenario, all freed"),
                                ("after_all_3s", "3 s later"),
                                ("after_all_churn_3s", "after 3 s more of other allocations")):
                v = m.get(when, {}).get(("goalloc", "mapped_bytes"))
                if v is not None:
                    lines.append(f"| {label} | {mib(v)} |")
            lines.append("")

    rw = [r for r in rows if r["scenario"] == "realworld"]
    if rw:
        lines += ["## Real module: minix", "",
                  "The file workload of `make realmod` (2 workers, 1000 files each: create,",
                  "verify, churn, drop_caches, remount, prune) on Debian's minix.ko (SLUB)",
                  "and on minix moved onto goalloc (`goalloc_redirect.h`), time clock.", "",
                  "| allocator | seconds | file operations/s |", "|---|---|---|"]
        d = defaultdict(dict)
        for r in rw:
            d[r["allocator"]][r["unit"]] = float(r["value"])
        for a in ("slub", "goalloc"):
            if a in d:
                lines.append(f"| {a} | {d[a].get('s', 0):.2f} | {d[a].get('ops/s', 0):.1f} |")
        if "slub" in d and "goalloc" in d and d["slub"].get("s"):
            lines += ["", f"goalloc/SLUB time: **{d['goalloc']['s'] / d['slub']['s']:.2f}**"]
        lines.append("")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.splitext(out)[0] + ".rst", "w") as f:
        f.write(".. SPDX-License-Identifier: GPL-2.0\n\n" + md_to_rst("\n".join(lines)))


def md_to_rst(md):
    """The summary as reStructuredText, for Documentation/bench/summary.rst."""
    out, table = [], []
    marks = {1: "=", 2: "-", 3: "~"}

    def flush():
        if not table:
            return
        rows = [[c.strip().replace("`", "``") for c in r.strip().strip("|").split("|")]
                for r in table if not set(r.replace("|", "").strip()) <= set("-")]
        w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        rule = " ".join("=" * x for x in w)
        out.append(rule)
        for i, r in enumerate(rows):
            out.append(" ".join(c.ljust(x) for c, x in zip(r, w)).rstrip())
            if i == 0:
                out.append(rule)
        out.append(rule)
        table.clear()

    for line in md.split("\n"):
        if line.startswith("|"):
            table.append(line)
            continue
        flush()
        level = len(line) - len(line.lstrip("#"))
        if level and line[level:level + 1] == " ":
            title = line[level + 1:].replace("`", "")
            out += [title, marks[level] * len(title)]
        else:
            out.append(line.replace("`", "``"))
    flush()
    return "\n".join(out) + "\n"


def mib(v):
    return "–" if v is None else f"{v / 1048576:.1f} MiB"


def plots(rows, d):
    t = timed_tables(rows)
    scripts = []
    for (clock, ioa), scs in sorted(t.items()):
        if ioa != "0":
            continue
        for sc in ("pair", "batch_warm"):
            sizes = scs.get(sc)
            if not sizes:
                continue
            dat = os.path.join(d, f"{sc}-{clock}.dat")
            with open(dat, "w") as f:
                for s in sorted(sizes, key=size_key):
                    f.write(f"{s} {sizes[s].get('slub', 'NaN')} {sizes[s].get('goalloc', 'NaN')}\n")
            scripts.append(f"""
set terminal pngcairo size 900,500
set output '{d}/{sc}-{clock}.png'
set title '{sc}: ns per allocation+free, {clock} clock, init_on_alloc=0' noenhanced
set logscale x 2
set xlabel 'object size (bytes)'
set ylabel 'ns/op ({"instructions" if clock == "icount" else "wall time"})'
set key top left
plot '{dat}' using 1:2 with linespoints title 'SLUB', '' using 1:3 with linespoints title 'goalloc'
""")
        par = scs.get("parallel")
        if par and clock == "time":
            dat = os.path.join(d, "parallel.dat")
            with open(dat, "w") as f:
                for s in sorted(par, key=size_key):
                    n = float(s)
                    # ns per op per CPU -> million operations per second, all CPUs
                    f.write(f"{s} " + " ".join(
                        f"{n * 1000 / par[s][a]:.3f}" if par[s].get(a) else "NaN"
                        for a in ("slub", "goalloc")) + "\n")
            scripts.append(f"""
set terminal pngcairo size 700,450
set output '{d}/parallel.png'
set title 'parallel: throughput of every CPU together, time clock' noenhanced
unset logscale
set xlabel 'CPUs'
set ylabel 'million allocations+frees per second'
set xtics 1
set key top left
plot '{dat}' using 1:2 with linespoints title 'SLUB', '' using 1:3 with linespoints title 'goalloc'
""")
    mem = [r for r in rows if r["scenario"] == "memory" and r["unit"] == "backing_bytes"
           and r["init_on_alloc"] == "0"]
    if mem:
        dat = os.path.join(d, "memory.dat")
        m = defaultdict(dict)
        for r in mem:
            m[r["size"]][r["allocator"]] = float(r["value"]) / 1048576
        with open(dat, "w") as f:
            for s in ("uniform", "pow2plus"):
                if s in m:
                    f.write(f"{s} {m[s].get('slub', 'NaN')} {m[s].get('goalloc', 'NaN')}\n")
        scripts.append(f"""
set terminal pngcairo size 600,450
set output '{d}/memory.png'
set title 'memory: backing for one live set' noenhanced
unset logscale
set style data histograms
set style fill solid 0.7
set ylabel 'MiB'
set yrange [0:*]
set xtics auto
set key top right
plot '{dat}' using 2:xtic(1) title 'SLUB', '' using 3 title 'goalloc'
""")
    if scripts:
        gp = os.path.join(d, "plots.gp")
        with open(gp, "w") as f:
            f.write("\n".join(scripts))
        subprocess.run(["gnuplot", gp], check=True)


def check(d):
    rows = load(os.path.join(d, "results.csv"))
    t = timed_tables(rows)
    bad = []
    want = {("time", "0"): TIMED, ("icount", "0"): ["pair", "batch_cold", "batch_warm"]}
    for key, scs in want.items():
        for sc in scs:
            sizes = t.get(key, {}).get(sc)
            if not sizes:
                bad.append(f"{key}: no {sc} results")
                continue
            for size, dd in sizes.items():
                for a in ("slub", "goalloc"):
                    if not dd.get(a, 0) > 0:
                        bad.append(f"{key}: {sc} {size}: no positive value for {a}")
    for s in ("uniform", "pow2plus"):
        for a in ("slub", "goalloc"):
            if not any(r["scenario"] == "memory" and r["size"] == s and r["allocator"] == a
                       and r["unit"] == "backing_bytes" and float(r["value"]) > 0 for r in rows):
                bad.append(f"memory {s}: no backing for {a}")
    for f in ("summary.md", "pair-time.png", "pair-icount.png", "parallel.png", "memory.png"):
        p = os.path.join(d, f)
        if not os.path.exists(p) or os.path.getsize(p) == 0:
            bad.append(f"{f} missing or empty")
    for b in bad:
        print("bench-report: check: " + b, file=sys.stderr)
    if not bad:
        print(f"bench-report: check: {len(rows)} results, both allocators everywhere, "
              "summary and plots written")
    return 1 if bad else 0


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--check":
        return check(args[1])
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    d = args[0]
    rows = load(os.path.join(d, "results.csv"))
    if not rows:
        print("bench-report: no results", file=sys.stderr)
        return 1
    summary(rows, os.path.join(d, "summary.md"))
    plots(rows, d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
