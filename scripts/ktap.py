#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Report goalloc's QEMU test run: KTAP results plus a console-log check.

The results log holds one KTAP document per suite between
"GOALLOC-SUITE <name>" and "GOALLOC-SUITE-END" lines, then "GOALLOC-DONE".
Every test case of every expected suite is printed with its result. More
checks are reported as tests of the pseudo-suite "goalloc_run": every
expected suite reported and ran every case it planned, the modules
loaded, the run finished (no hang, no crash), the kernel console shows no
BUG, WARNING, Oops, KASAN or lockdep report, and kmemleak's scan at the
end of the run found no leak.

The last line is "N passed, N failed" (", N skipped" if any). The exit
status is 0 only if nothing failed.
"""

import argparse
import re
import sys

RESULT = re.compile(r"^(ok|not ok) (\d+) (?:- )?([^#]*?)\s*(?:#\s*(SKIP|TODO)\b\s*(.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)$")
NOTE = re.compile(r"^# (\S+: )?note: ")

SPLATS = [
    r"\bBUG:", r"\bWARNING:", r"\bOops\b", r"Kernel panic", r"kernel BUG at",
    r"general protection fault", r"Unable to handle", r"\bUBSAN:", r"double fault",
    r"Call Trace:", r"possible (circular|recursive) locking", r"inconsistent lock state",
    r"suspicious RCU usage", r"INFO: task .* blocked", r"rcu: INFO:", r"detected stalls?",
    r"list_(add|del) corruption", r"refcount_t:", r"stack-protector",
]
SPLAT = re.compile("|".join(SPLATS))


class Suite:
    def __init__(self, name):
        self.name = name
        self.planned = None
        self.cases = []      # (name, status, diagnostics, reason)


def indent_of(line):
    return len(line) - len(line.lstrip(" "))


def parse_suite(name, lines):
    suite = Suite(name)
    diag = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        depth, text = indent_of(line), line.strip()
        if depth == 4:
            m = PLAN.match(text)
            if m and suite.planned is None:
                suite.planned = int(m.group(1))
                continue
            m = RESULT.match(text)
            if m:
                status = "fail" if m.group(1) == "not ok" else "pass"
                if m.group(4) == "SKIP":
                    status = "skip"
                suite.cases.append((m.group(3).strip(), status, diag, m.group(5) or ""))
                diag = []
                continue
        if depth >= 4 and text.startswith("#") and not text.startswith("# Subtest"):
            diag.append(text)
        elif depth >= 8 and RESULT.match(text) and RESULT.match(text).group(1) == "not ok":
            diag.append(text)
    return suite


def parse_results(path):
    suites, errors, done = {}, [], False
    leaks = None
    try:
        with open(path, errors="replace") as f:
            lines = f.readlines()
    except OSError as e:
        return suites, ["cannot read %s: %s" % (path, e)], False, None
    current, body = None, []
    for line in lines:
        text = line.strip()
        if text == "GOALLOC-KMEMLEAK":
            leaks = []
        elif text == "GOALLOC-KMEMLEAK-END":
            current = None
        elif leaks is not None and current is None and not done and \
                not text.startswith("GOALLOC-") and text:
            leaks.append(line.rstrip())
        elif text.startswith("GOALLOC-SUITE-END"):
            if current:
                suites[current] = parse_suite(current, body)
            current, body = None, []
        elif text.startswith("GOALLOC-SUITE "):
            current, body = text.split(None, 1)[1], []
        elif text.startswith("GOALLOC-ERROR"):
            errors.append(text[len("GOALLOC-ERROR"):].strip())
        elif text == "GOALLOC-DONE":
            done = True
        elif current:
            body.append(line)
    return suites, errors, done, leaks


TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\] ")


def parse_console_suites(path):
    """The KTAP each suite printed to the console, by suite name.

    KUnit's per-case debugfs log is small (512 bytes in 6.1): a failing
    case with long messages can lose its result line there. The console
    has everything, so incomplete debugfs results are read from it.
    """
    try:
        with open(path, errors="replace") as f:
            lines = [TIMESTAMP.sub("", l) for l in f.readlines()]
    except OSError:
        return {}
    suites, current, body = {}, None, []
    for line in lines:
        text = line.strip()
        if text.startswith("# Subtest: ") and indent_of(line) == 4:
            current, body = text[len("# Subtest: "):], []
        elif current and indent_of(line) == 0 and RESULT.match(text):
            suites[current] = parse_suite(current, body)
            current = None
        elif current:
            body.append(line)
    return suites


def scan_console(path):
    try:
        with open(path, errors="replace") as f:
            lines = f.readlines()
    except OSError as e:
        return ["cannot read %s: %s" % (path, e)]
    found = []
    for i, line in enumerate(lines):
        if SPLAT.search(line):
            found.append(i)
    report, shown = [], set()
    for i in found:
        if i in shown:
            continue
        for j in range(max(i - 5, 0), min(i + 40, len(lines))):
            if j in shown:
                continue
            shown.add(j)
            report.append(lines[j].rstrip())
        report.append("...")
    return report


def own_leaks(lines):
    """kmemleak reports, less the kernel's own boot-time objects.

    Objects allocated while the kernel booted (from start_kernel or
    kernel_init) are not goalloc's; init.sh clears kmemleak's list before
    goalloc first loads, but an object whose checksum changed between the
    scans then escapes the clear and is reported at the end.
    """
    entries, cur = [], []
    for line in lines:
        if "unreferenced object" in line and cur:
            entries.append(cur)
            cur = []
        cur.append(line)
    if cur:
        entries.append(cur)
    boot = re.compile(r"\b(start_kernel|kernel_init|do_basic_setup)\b")
    return [l for e in entries if not any(boot.search(l) for l in e) for l in e]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scan", metavar="CONSOLE",
                    help="only check a console log for kernel splats")
    ap.add_argument("--extra", nargs=2, action="append", default=[],
                    metavar=("NAME", "FILE"),
                    help="a test run outside QEMU's KUnit boots: FILE holds 'pass' "
                    "or 'fail' on its first line, diagnostics after")
    ap.add_argument("--boot", nargs=4, action="append",
                    metavar=("LABEL", "RESULTS", "CONSOLE", "SUITES"),
                    help="one QEMU boot: its results and console logs and the "
                    "space-separated suites that must report")
    args = ap.parse_args()
    if args.scan:
        splats = scan_console(args.scan)
        for line in splats:
            print(line)
        return 1 if splats else 0
    if not args.boot:
        ap.error("--boot or --scan is required")

    counts = {"pass": 0, "fail": 0, "skip": 0}
    for i, (blabel, results, console, expect) in enumerate(args.boot):
        suffix = "" if i == 0 else "@" + blabel
        report_boot(results, console, expect.split(), suffix, counts)
    if args.extra:
        print("goalloc_extra")
    for name, path in args.extra:
        try:
            with open(path, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError as e:
            lines = ["fail", "cannot read %s: %s" % (path, e)]
        ok = bool(lines) and lines[0].strip() == "pass"
        counts["pass" if ok else "fail"] += 1
        print("    %s %s" % ("ok     " if ok else "FAILED ", name))
        if not ok:
            for d in lines[1:]:
                print("            " + d)

    summary = "%d passed, %d failed" % (counts["pass"], counts["fail"])
    if counts["skip"]:
        summary += ", %d skipped" % counts["skip"]
    print(summary)
    return 0 if counts["fail"] == 0 else 1


def report_boot(results, console, expect, suffix, counts):
    suites, errors, done, leaks = parse_results(results)
    for name, suite in parse_console_suites(console).items():
        have = suites.get(name)
        if have and len(have.cases) != have.planned and len(suite.cases) == suite.planned:
            suites[name] = suite
    label = {"pass": "ok     ", "fail": "FAILED ", "skip": "SKIPPED"}

    def show(status, name, lines=(), reason=""):
        counts[status] += 1
        extra = (": " + reason) if reason else ""
        print("    %s %s%s" % (label[status], name, extra))
        for d in lines:
            if status == "fail" or NOTE.match(d):
                print("            " + d)

    run_checks = []
    names = list(expect) + sorted(set(suites) - set(expect))
    for name in names:
        suite = suites.get(name)
        if suite is None:
            run_checks.append(("suite %s reported" % name, ["no results from suite %s" % name]))
            continue
        print("%s%s (%d tests)" % (name, suffix, len(suite.cases)))
        for cname, status, diag, reason in suite.cases:
            show(status, cname, diag, reason)
        if suite.planned is None or len(suite.cases) != suite.planned:
            run_checks.append(("suite %s complete" % name,
                               ["planned %s tests, reported %d" % (suite.planned, len(suite.cases))]))

    print("goalloc_run" + suffix)
    for what, why in run_checks:
        show("fail", what, why)
    show("pass" if not errors else "fail", "modules_loaded", errors)
    show("pass" if done else "fail", "run_finished",
         [] if done else ["no GOALLOC-DONE marker: the guest hung, crashed or timed out"])
    splats = scan_console(console)
    show("pass" if not splats else "fail", "console_clean", splats)
    if leaks is None:
        show("fail", "no_leaks", ["no kmemleak scan in the results"])
    else:
        leaks = own_leaks(leaks)
        show("pass" if not leaks else "fail", "no_leaks", leaks[:60])


if __name__ == "__main__":
    sys.exit(main())
