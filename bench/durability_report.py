#!/usr/bin/env python3
"""Turns bench/durability.sh's measurements into the table in docs/benchmarks.md (between the
durability-bench markers), or prints it when the docs path is "-"."""
import datetime
import json
import pathlib
import re
import sys

from report_common import cpu_name, write_block


def load(work, name):
    return json.loads((work / f"{name}.json").read_text())




def recovered_ms(work, name):
    match = re.search(r"in (\d+) ms", (work / name).read_text())
    return int(match.group(1)) if match else None


def main():
    work = pathlib.Path(sys.argv[1])
    coupons, clean_ms, crash_ms, rss_kib = (int(value) for value in sys.argv[2:6])
    docs, command = sys.argv[6], sys.argv[7]
    modes = {mode: load(work, f"redeem-{mode}") for mode in ("none", "group", "sync")}
    before, during = load(work, "redeem-before-snapshot"), load(work, "redeem-during-snapshot")
    snapshots = [json.loads(line) for line in (work / "snapshots.json").read_text().split() if line]
    rate = {mode: result["requests_per_second"] for mode, result in modes.items()}
    group_ratio = rate["group"] / rate["none"]
    p99_ratio = during["latency_ms"]["p99"] / before["latency_ms"]["p99"]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        f"Measured {now} on {cpu_name()}, 2 cores, by `{command}` (coupond and coupon-load on "
        "the same machine, loopback; 50 keep-alive connections, closed loop, redemptions only).",
        "",
        "| figure | value | ratio | target | |",
        "|---|---|---|---|---|",
    ]
    for mode in ("none", "group", "sync"):
        result = modes[mode]
        ratio = rate[mode] / rate["none"]
        target, verdict = ("", "")
        if mode == "group":
            target, verdict = ">= 0.8x none", "met" if ratio >= 0.8 else "**missed**"
        rows.append(
            f"| redeem, `--durability {mode}` | {rate[mode]:,.0f}/s, p99 "
            f"{result['latency_ms']['p99']:.2f} ms | {ratio:.2f}x none | {target} | {verdict} |")
    snapshot_ms = max((s["millis"] for s in snapshots), default=0)
    snapshot_mb = max((s["bytes"] for s in snapshots), default=0) / 1e6
    rows += [
        f"| snapshot of {coupons:,} coupons (while redeeming) | {snapshot_ms} ms, "
        f"{snapshot_mb:,.0f} MB, {len(snapshots)} taken | | | |",
        f"| redeem p99 without / during snapshots | {before['latency_ms']['p99']:.2f} / "
        f"{during['latency_ms']['p99']:.2f} ms | {p99_ratio:.2f}x | < 5x | "
        f"{'met' if p99_ratio < 5 else '**missed**'} |",
        f"| start-up, {coupons:,} coupons, after a clean stop (snapshot only) | {clean_ms} ms to "
        f"listening (recovery {recovered_ms(work, 'recovered-clean.txt')} ms) | | < 2 s | "
        f"{'met' if clean_ms < 2000 else '**missed**'} |",
        f"| start-up after kill -9 (snapshot + {seconds_of(work)} s of journal) | {crash_ms} ms "
        f"to listening (recovery {recovered_ms(work, 'recovered-crash.txt')} ms) | | < 2 s | "
        f"{'met' if crash_ms < 2000 else '**missed**'} |",
        f"| resident memory after that start-up | {rss_kib / 1024:,.0f} MiB, "
        f"{rss_kib * 1024 / coupons:.0f} B per coupon | | | |",
        f"| codes redeemed twice, all runs | "
        f"{sum(r['double_redemptions'] for r in [*modes.values(), before, during])} | | 0 | |",
    ]
    table = "\n".join(rows)
    print(table)
    print(f"\ngroup commit keeps {group_ratio:.2f}x of the undurable rate; "
          f"p99 during snapshots is {p99_ratio:.2f}x")
    if docs == "-":
        return
    write_block(docs, "durability-bench", "Durability", table)

def seconds_of(work):
    return round(load(work, "journal-tail")["seconds"])


if __name__ == "__main__":
    main()
