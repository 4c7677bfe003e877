#!/usr/bin/env python3
"""Turns coupond-bench's JSON output into the engine table of docs/benchmarks.md.

Every figure is a median of the repetitions of one run, and every target is checked as a ratio
against a reference measured in that same run, so that the machine's speed of the day cancels out.
Usage: report.py RESULTS.json DOCS.md|- COMMAND
"""
import pathlib
import platform
import sys
from datetime import datetime, timezone

from run_results import bench_medians, bench_ns as ns

BEGIN = "<!-- engine-microbench:begin -->"
END = "<!-- engine-microbench:end -->"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def verdict(ok):
    return "met" if ok else "**missed**"


# The stages of a POST /v1/redeem around the engine call (request_bench.cpp), in the order the
# server runs them. Each row is shown only when the run has it, so that results from a run that
# predates them, or filtered them out, still render.
REQUEST_STAGES = [
    ("BM_HttpParseRedeemRequest", "Beast parses one redeem request, head and JSON body"),
    ("BM_JsonDecodeRedeemRequest", "its body read into a CouponRequest (parse_coupon_request)"),
    ("BM_JsonEncodeRedeemResponse", "the 200 answer built and serialized as JSON"),
    ("BM_HttpSerializeResponse", "that answer serialized as an HTTP/1.1 response"),
    ("BM_RedeemRequestAllStages",
     "the four in one iteration, no engine call (add BM_RedeemInMemory for the whole request)"),
]


def request_stage_rows(b, hmac):
    rows = []
    for name, what in REQUEST_STAGES:
        if name in b:
            stage = ns(b[name])
            rows.append((f"{name}: {what}", f"{stage:.0f} ns", f"{stage / hmac:.2f}x", "", ""))
    return rows


# DataPlane::handle of one request (data_plane_bench.cpp), with the heap allocations it makes.
DATA_PLANE = [
    ("BM_DataPlaneValidate", "DataPlane::handle of a validation: decode, engine, encode"),
    ("BM_DataPlaneRedeem/iterations:200000",
     "DataPlane::handle of a redemption, journal on (group commit), not waited for"),
]


def data_plane_rows(b, hmac):
    return [(f"{name}: {what}", f"{ns(b[name]):.0f} ns, {b[name]['allocs']:.2f} allocs",
             f"{ns(b[name]) / hmac:.2f}x", "0 allocs", verdict(round(b[name]["allocs"], 2) == 0))
            for name, what in DATA_PLANE if name in b]


def validate_reference_rows(b):
    """BM_ValidateHit against one HMAC plus one random read of the table's size, in CPU time as the
    scorecard takes them, when the run has the reference."""
    if "BM_HmacRandomReadReference" not in b:
        return []
    reference = ns(b["BM_HmacRandomReadReference"])
    validate_cpu = ns(b["BM_ValidateHit"], "cpu_time")
    reference_cpu = ns(b["BM_HmacRandomReadReference"], "cpu_time")
    return [("BM_HmacRandomReadReference: one HMAC, then one random 8-byte read over the table's "
             "bytes", f"{reference:.0f} ns", "", "", ""),
            ("BM_ValidateHit against it, in CPU time", f"{validate_cpu:.0f} vs {reference_cpu:.0f} ns",
             f"{validate_cpu / reference_cpu:.2f}x", "<= 1.2x",
             verdict(validate_cpu <= 1.2 * reference_cpu))]


def render(context, b, command):
    hmac = ns(b["BM_HmacSha256Reference"])
    one_shot = ns(b["BM_HmacOneShot"])
    validate = ns(b["BM_ValidateHit"])
    redeem = ns(b["BM_RedeemInMemory/iterations:300000"])
    miss = ns(b["BM_ValidateMiss"])
    forged = ns(b["BM_ValidateForged"])
    mistyped = ns(b["BM_ValidateMistyped"])
    in_cache = ns(b["BM_ValidateHitInCache"])
    memory = ns(b["BM_RandomAccessReference"])
    load = b["BM_LoadTenMillion/iterations:1/manual_time"]
    generate_ms = ns(b["BM_GenerateMillion/iterations:3"]) / 1e6
    coupons = int(load["coupons"])
    bytes_per_coupon = load["bytes_per_coupon"]
    rows = [
        ("BM_HmacSha256Reference: HMAC-SHA256 of a code header, precomputed key state",
         f"{hmac:.0f} ns", "1.00x (the reference)", "", ""),
        ("BM_HmacOneShot: the same with OpenSSL's one-shot HMAC()", f"{one_shot:.0f} ns",
         f"{one_shot / hmac:.2f}x", "", ""),
        ("BM_ValidateHit: decode + verify + lookup + rules, random existing code",
         f"{validate:.0f} ns", f"{validate / hmac:.2f}x", "<= 2x", verdict(validate <= 2 * hmac)),
        ("BM_RedeemInMemory: the same plus the state change, no I/O", f"{redeem:.0f} ns",
         f"{redeem / hmac:.2f}x", "<= 3x", verdict(redeem <= 3 * hmac)),
        ("BM_ValidateMiss: signed but not loaded (unknown_code)", f"{miss:.0f} ns",
         f"{miss / hmac:.2f}x", "", ""),
        ("BM_ValidateForged: intact header, wrong tag (invalid_code after the HMAC, no lookup)",
         f"{forged:.0f} ns", f"{forged / hmac:.2f}x", "", ""),
        ("BM_ValidateMistyped: a typo in the tag (invalid_code before the HMAC)",
         f"{mistyped:.0f} ns", f"{mistyped / hmac:.2f}x", "", ""),
        ("BM_ValidateHitInCache: BM_ValidateHit over 20,000 coupons, table in cache",
         f"{in_cache:.0f} ns", f"{in_cache / hmac:.2f}x", "", ""),
        ("BM_RandomAccessReference: one dependent random load over the table's bytes",
         f"{memory:.0f} ns", f"{memory / hmac:.2f}x", "", ""),
    ]
    rows += validate_reference_rows(b)
    rows += request_stage_rows(b, hmac)
    rows += data_plane_rows(b, hmac)
    rows += [
        ("BM_GenerateMillion: sign, format and load 1M codes, one core", f"{generate_ms:.0f} ms",
         f"{1000 / generate_ms:.2f}M codes/s", "< 1000 ms",
         verdict(generate_ms < 1000)),
        (f"BM_LoadTenMillion: {coupons:,} coupons generated into the table",
         f"{ns(load) / 1e9:.1f} s", f"{load['codes_per_second'] / 1e6:.2f}M codes/s", "", ""),
        ("Table bytes per single-use coupon at that size", f"{bytes_per_coupon:.1f} B", "",
         "<= 64 B", verdict(bytes_per_coupon <= 64)),
    ]
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        BEGIN,
        f"Measured {when} on {cpu_model()}, {context.get('num_cpus', '?')} cores, by `{command}`",
        "(Google Benchmark, median of 3 repetitions; ratios are against BM_HmacSha256Reference of",
        "the same run).",
        "",
        "| benchmark | time | ratio | target | |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {a} | {t} | {r} | {g} | {v} |" for a, t, r, g, v in rows]
    lines.append(END)
    return "\n".join(lines) + "\n"


def main():
    results, docs, command = sys.argv[1], sys.argv[2], sys.argv[3]
    context, benches = bench_medians(pathlib.Path(results))
    try:
        table = render(context, benches, command)
    except KeyError as missing:
        # A run filtered to some benchmarks: say which figure the table needs, write nothing.
        sys.exit(f"report.py: {results} has no {missing} figure; the engine table needs a run of "
                 "the whole suite (bench/run.sh)")
    if docs == "-":
        sys.stdout.write(table)
        return
    with open(docs) as f:
        text = f.read()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + table.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + table
    with open(docs, "w") as f:
        f.write(text)
    sys.stdout.write(table)


if __name__ == "__main__":
    main()
