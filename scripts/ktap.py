#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Report goalloc's QEMU test run: KTAP results plus a console-log check.

The results log holds one KTAP document per suite between
"GOALLOC-SUITE <name>" and "GOALLOC-SUITE-END" lines, the verifier's
verdict after each test module between "GOALLOC-VERIFY <module>" and
"GOALLOC-VERIFY-END", then "GOALLOC-DONE". Every test case of every
expected suite is printed with its result. More checks are reported as
tests of the pseudo-suite "goalloc_run": every expected suite reported
and ran every case it planned, the modules loaded and unloaded, the heap
verified intact after each module, the run finished (no hang, no
crash), the kernel console shows no report of any kind the scan knows
(BUG, WARNING, Oops, KASAN, KCSAN, lockdep, UBSAN, stalls, lockups, hung
tasks, list or object debugging) but the KASAN reports a test expects
(between its expect-begin/expect-end markers), goalloc printed no report
outside a test's markers, the kernel can produce every
report the scan looks for, and kmemleak's scan at the end found no leak.

A skipped test fails the run unless kunit/allowed-skips lists it with a
reason. The last line is "N passed, N failed". The exit status is 0 only
if nothing failed.
"""

import argparse
import os
import re
import sys

RESULT = re.compile(r"^(ok|not ok) (\d+) (?:- )?([^#]*?)\s*(?:#\s*(SKIP|TODO)\b\s*(.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)$")
NOTE = re.compile(r"^# (\S+: )?note: ")

# Every report the console scan looks for: what it is, how it starts,
# the kernel options without which no kernel prints it, and the test
# kernels ("kasan", "kcsan") that must be able to print it.
REPORTS = [
    ("BUG", r"\bBUG:", ["CONFIG_BUG"], "kasan kcsan"),
    ("WARNING", r"\bWARNING:", ["CONFIG_BUG"], "kasan kcsan"),
    ("oops", r"\bOops\b|general protection fault|Unable to handle|kernel BUG at|"
     r"Kernel panic|double fault|Call Trace:", ["CONFIG_BUG"], "kasan kcsan"),
    ("KASAN report", r"BUG: KASAN:", ["CONFIG_KASAN"], "kasan"),
    ("KCSAN report", r"BUG: KCSAN:", ["CONFIG_KCSAN"], "kcsan"),
    ("lockdep report", r"possible (circular|recursive) locking|inconsistent lock state|"
     r"possible irq lock inversion|bad unlock balance|held lock freed",
     ["CONFIG_PROVE_LOCKING"], "kasan kcsan"),
    ("RCU lockdep report", r"suspicious RCU usage", ["CONFIG_PROVE_RCU"], "kasan kcsan"),
    ("sleep in atomic context", r"sleeping function called from invalid context",
     ["CONFIG_DEBUG_ATOMIC_SLEEP"], "kasan kcsan"),
    ("preemption debugging", r"using smp_processor_id\(\) in preemptible",
     ["CONFIG_DEBUG_PREEMPT"], "kasan kcsan"),
    ("soft lockup", r"BUG: soft lockup", ["CONFIG_SOFTLOCKUP_DETECTOR"], "kasan kcsan"),
    ("hung task", r"INFO: task .* blocked for more than", ["CONFIG_DETECT_HUNG_TASK"],
     "kasan kcsan"),
    ("workqueue stall", r"BUG: workqueue lockup", ["CONFIG_WQ_WATCHDOG"], "kasan kcsan"),
    ("RCU stall", r"rcu: INFO: .*(detected stalls?|self-detected stall)",
     ["CONFIG_TREE_RCU"], "kasan kcsan"),
    ("UBSAN report", r"UBSAN:", ["CONFIG_UBSAN"], "kasan kcsan"),
    ("list corruption", r"list_(add|del) corruption", ["CONFIG_DEBUG_LIST"], "kasan kcsan"),
    ("debug objects", r"ODEBUG:", ["CONFIG_DEBUG_OBJECTS", "CONFIG_DEBUG_OBJECTS_RCU_HEAD"],
     "kasan kcsan"),
    ("refcount", r"refcount_t:", [], "kasan kcsan"),
    ("stack protector", r"stack-protector:", ["CONFIG_STACKPROTECTOR"], "kasan kcsan"),
    ("kmemleak", None, ["CONFIG_DEBUG_KMEMLEAK"], "kasan"),
]
SPLAT = re.compile("|".join(r for _, r, _, _ in REPORTS if r))

# goalloc's own lines: every one is a report but these.
TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\] ")
GOALLOC_LINE = re.compile(r"^goalloc: ")
GOALLOC_INFO = re.compile(r"^goalloc: (ready: |loading out-of-tree module taints kernel|"
                          r"module verification failed|cache \S+: SLAB_ACCOUNT dropped)")
EXPECT_BEGIN = re.compile(r"^goalloc-test: expect-begin (.*)")
EXPECT_END = re.compile(r"^goalloc-test: expect-end")
KASAN_REPORT = re.compile(r"^BUG: KASAN: ")
KCSAN_REPORT = re.compile(r"^BUG: KCSAN: ")
# The kernel stopping the machine, after /init unloaded every module.
RESTART = re.compile(r"^reboot: (Restarting system|machine restart)$")
RULE = re.compile(r"^={20,}$")


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


class Results:
    def __init__(self):
        self.suites = {}
        self.errors = []
        self.done = False
        self.leaks = None        # None: no kmemleak scan in the log
        self.leaks_off = False   # kmemleak was off in the guest
        self.verifies = []       # (after what, verdict lines)


def parse_results(path):
    r = Results()
    try:
        with open(path, errors="replace") as f:
            lines = f.readlines()
    except OSError as e:
        r.errors.append("cannot read %s: %s" % (path, e))
        return r
    current, body, block = None, [], None
    for line in lines:
        text = line.strip()
        if block is not None:
            if text == block[0] + "-END":
                if block[0] == "GOALLOC-KMEMLEAK":
                    r.leaks = block[2]
                else:
                    r.verifies.append((block[1], block[2]))
                block = None
            elif text:
                block[2].append(line.rstrip())
        elif text == "GOALLOC-KMEMLEAK":
            block = ("GOALLOC-KMEMLEAK", None, [])
        elif text == "GOALLOC-KMEMLEAK-OFF":
            r.leaks_off = True
        elif text.startswith("GOALLOC-VERIFY "):
            block = ("GOALLOC-VERIFY", text.split(None, 1)[1], [])
        elif text.startswith("GOALLOC-SUITE-END"):
            if current:
                r.suites[current] = parse_suite(current, body)
            current, body = None, []
        elif text.startswith("GOALLOC-SUITE "):
            current, body = text.split(None, 1)[1], []
        elif text.startswith("GOALLOC-ERROR"):
            r.errors.append(text[len("GOALLOC-ERROR"):].strip())
        elif text == "GOALLOC-DONE":
            r.done = True
        elif current:
            body.append(line)
    return r


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


def read_console(path):
    try:
        with open(path, errors="replace") as f:
            return [l.rstrip("\r\n") for l in f.readlines()], None
    except OSError as e:
        return [], "cannot read %s: %s" % (path, e)


def with_context(lines, found):
    """The lines at indexes @found, each with 5 lines before and 40 after."""
    report, shown = [], set()
    for i in found:
        if i in shown:
            continue
        for j in range(max(i - 5, 0), min(i + 40, len(lines))):
            if j in shown:
                continue
            shown.add(j)
            report.append(lines[j])
        report.append("...")
    return report


def scan_console(path):
    """Kernel reports of any kind the scan knows, with context.

    A KASAN report that starts between a test's expect markers is the
    test's (goalloc_kasan checks that each one it provokes came): its
    lines, up to the rule that closes it, are not counted. Nor is a KCSAN
    report after the kernel began to restart the machine: goalloc and its
    tests are unloaded by then (modules_loaded_and_removed checks it), and
    6.1's native_stop_other_cpus() races with the CPUs it stops.
    """
    lines, err = read_console(path)
    if err:
        return [err]
    found, expecting, in_report, restarting = [], False, False, False
    for i, raw in enumerate(lines):
        text = TIMESTAMP.sub("", raw)
        if in_report:
            in_report = not RULE.match(text)
        elif RESTART.match(text):
            restarting = True
        elif restarting and KCSAN_REPORT.match(text):
            in_report = True
        elif EXPECT_BEGIN.match(text):
            expecting = True
        elif EXPECT_END.match(text):
            expecting = False
        elif expecting and KASAN_REPORT.match(text):
            in_report = True
        elif SPLAT.search(raw):
            found.append(i)
    return with_context(lines, found)


def scan_goalloc_reports(path):
    """goalloc's report lines outside a test's expect markers."""
    lines, err = read_console(path)
    if err:
        return [err]
    bad, expecting, problems = [], None, []
    for i, raw in enumerate(lines):
        text = TIMESTAMP.sub("", raw)
        m = EXPECT_BEGIN.match(text)
        if m:
            if expecting is not None:
                problems.append("expect-begin '%s' inside '%s'" % (m.group(1), expecting))
            expecting = m.group(1)
        elif EXPECT_END.match(text):
            if expecting is None:
                problems.append("expect-end without expect-begin: " + raw)
            expecting = None
        elif GOALLOC_LINE.match(text) and not GOALLOC_INFO.match(text) and expecting is None:
            bad.append(i)
    if expecting is not None:
        problems.append("expect-begin '%s' never ended" % expecting)
    return problems + [lines[i] for i in bad][:40]


def reports_possible(config, flavour):
    """Options the kernel lacks for reports the scan expects of it."""
    try:
        with open(config) as f:
            have = set(l.split("=")[0] for l in f if re.match(r"CONFIG_\w+=[ym]", l))
    except OSError as e:
        return ["cannot read %s: %s" % (config, e)]
    missing = []
    for what, _, options, kernels in REPORTS:
        if flavour in kernels.split():
            missing += ["%s: %s is not set" % (what, o) for o in options if o not in have]
    return missing


def allowed_skips(path):
    """{(suite, case): reason} from kunit/allowed-skips."""
    allowed = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                m = re.match(r"(\S+) (\S+): (.+)$", line)
                if m:
                    allowed[(m.group(1), m.group(2))] = m.group(3)
    except OSError:
        pass
    return allowed


def kmemleak_off_asked(console):
    """Did the boot's command line turn kmemleak off on purpose?"""
    lines, _ = read_console(console)
    return any("Kernel command line:" in l and re.search(r"\bkmemleak=off\b", l)
               for l in lines)


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
                    help="only check a console log for kernel reports and goalloc's")
    ap.add_argument("--extra", nargs=2, action="append", default=[],
                    metavar=("NAME", "FILE"),
                    help="a test run outside QEMU's KUnit boots: FILE holds 'pass' "
                    "or 'fail' on its first line, diagnostics after")
    ap.add_argument("--boot", nargs=6, action="append",
                    metavar=("LABEL", "RESULTS", "CONSOLE", "SUITES", "KERNEL", "CONFIG"),
                    help="one QEMU boot: its results and console logs, the "
                    "space-separated suites that must report, the test kernel "
                    "(kasan or kcsan) and its .config")
    ap.add_argument("--allowed-skips", metavar="FILE",
                    default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                         "..", "kunit", "allowed-skips"),
                    help="the tests that may be skipped, with the reason why")
    args = ap.parse_args()
    if args.scan:
        bad = scan_console(args.scan)
        reports = scan_goalloc_reports(args.scan)
        for line in bad:
            print(line)
        if reports:
            print("goalloc reported:")
            for line in reports:
                print("    " + line)
        return 1 if bad or reports else 0
    if not args.boot:
        ap.error("--boot or --scan is required")

    counts = {"pass": 0, "fail": 0}
    skips = allowed_skips(args.allowed_skips)
    for i, (blabel, results, console, expect, kernel, config) in enumerate(args.boot):
        suffix = "" if blabel == "default" else "@" + blabel
        report_boot(results, console, expect.split(), suffix, kernel, config, skips, counts)
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

    print("%d passed, %d failed" % (counts["pass"], counts["fail"]))
    return 0 if counts["fail"] == 0 else 1


def report_boot(results, console, expect, suffix, kernel, config, skips, counts):
    r = parse_results(results)
    for name, suite in parse_console_suites(console).items():
        have = r.suites.get(name)
        if have and len(have.cases) != have.planned and len(suite.cases) == suite.planned:
            r.suites[name] = suite
    label = {"pass": "ok     ", "fail": "FAILED "}

    def show(status, name, lines=(), reason=""):
        counts[status] += 1
        extra = (": " + reason) if reason else ""
        print("    %s %s%s" % (label[status], name, extra))
        for d in lines:
            if status == "fail" or NOTE.match(d):
                print("            " + d)

    run_checks = []
    names = list(expect) + sorted(set(r.suites) - set(expect))
    for name in names:
        suite = r.suites.get(name)
        if suite is None:
            run_checks.append(("suite %s reported" % name, ["no results from suite %s" % name]))
            continue
        print("%s%s (%d tests)" % (name, suffix, len(suite.cases)))
        for cname, status, diag, reason in suite.cases:
            if status == "skip":
                why = skips.get((name, cname))
                if why is None:
                    show("fail", cname, diag + ["skipped (%s), and kunit/allowed-skips does not "
                                                "allow it" % reason])
                else:
                    show("pass", cname, diag, "skipped, as kunit/allowed-skips allows: " + why)
                continue
            show(status, cname, diag, reason)
        if suite.planned is None or len(suite.cases) != suite.planned:
            run_checks.append(("suite %s complete" % name,
                               ["planned %s tests, reported %d" % (suite.planned, len(suite.cases))]))

    print("goalloc_run" + suffix)
    for what, why in run_checks:
        show("fail", what, why)
    show("pass" if not r.errors else "fail", "modules_loaded_and_removed", r.errors)
    for after, verdict in r.verifies:
        ok = verdict == ["ok"]
        show("pass" if ok else "fail", "heap_verified_after_" + after, verdict[:40])
    show("pass" if r.done else "fail", "run_finished",
         [] if r.done else ["no GOALLOC-DONE marker: the guest hung, crashed or timed out"])
    splats = scan_console(console)
    show("pass" if not splats else "fail", "console_clean", splats)
    reports = scan_goalloc_reports(console)
    show("pass" if not reports else "fail", "goalloc_reports_expected",
         reports + (["goalloc printed these outside any test's expect markers"]
                    if reports else []))
    missing = reports_possible(config, kernel)
    show("pass" if not missing else "fail", "kernel_can_report", missing)
    if kernel != "kasan":
        return
    if r.leaks_off and kmemleak_off_asked(console):
        print("    (no_leaks: kmemleak off in this boot, as its command line asks)")
    elif r.leaks is None:
        show("fail", "no_leaks", ["no kmemleak scan in the results" +
                                  (": kmemleak was off" if r.leaks_off else "")])
    else:
        leaks = own_leaks(r.leaks)
        show("pass" if not leaks else "fail", "no_leaks", leaks[:60])


if __name__ == "__main__":
    sys.exit(main())
