#!/usr/bin/env python3
"""Turns bench/flash_sale.sh's results into the side-by-side table, the targets and a plot:
docs/benchmarks.md (between the flash-sale-bench markers) and docs/flash-sale.png, or the table on
standard output when the docs directory is "-"."""
import datetime
import json
import pathlib
import re
import subprocess
import sys

from report_common import cpu_name, write_block

RUNS = ["redeem-peak", "flash-sale-midnight", "steady-checkout", "brute-force-attack", "no-attack",
        "hot-storm", "uniform-1000"]
TARGETS = [("coupond-threads-1", "coupond, 1 thread"), ("coupond-default", "coupond, 2 threads"),
           ("redis-everysec", "Redis, fsync every second"), ("redis-always", "Redis, fsync always")]


def load(results, name):
    path = results / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def rate(result):
    return result["requests_per_second"] if result else 0.0


def legit_rate(result):
    """Requests with real codes per second: every answer but those to guesses."""
    if not result:
        return 0.0
    guesses = sum(count for outcome, count in result["outcomes"].items()
                  if outcome.endswith("invalid_code") or outcome.endswith("unknown_code"))
    return (result["requests"] - guesses) / result["seconds"]


def wrk_rate(results, name):
    path = results / f"wrk-{name}.txt"
    match = re.search(r"Requests/sec:\s+([\d.]+)", path.read_text()) if path.exists() else None
    return float(match.group(1)) if match else 0.0


def verdict(ok):
    return "met" if ok else "**missed**"




def side_by_side(results):
    rows = ["| run | " + " | ".join(label for _, label in TARGETS) + " |",
            "|---|" + "---|" * len(TARGETS)]
    for run in RUNS:
        cells = []
        for prefix, _ in TARGETS:
            result = load(results, f"{prefix}-{run}")
            cells.append(f"{rate(result):,.0f}/s, p99 {result['latency_ms']['p99']:.2f} ms"
                         if result else "—")
        rows.append(f"| {run} | " + " | ".join(cells) + " |")
    return rows


def targets(results):
    coupond = {run: load(results, f"coupond-default-{run}") for run in RUNS}
    everysec = load(results, "redis-everysec-redeem-peak")
    always = load(results, "redis-always-redeem-peak")
    half = load(results, "coupond-default-half-peak")
    storm, uniform = coupond["hot-storm"], coupond["uniform-1000"]
    attack, calm = coupond["brute-force-attack"], coupond["no-attack"]
    wrk = {name: wrk_rate(results, name) for name in
           ("coupond-validate", "nginx-validate", "coupond-redeem", "nginx-redeem")}
    peak = rate(coupond["redeem-peak"])

    def ratio(a, b):
        return a / b if b else 0.0

    rows = ["| target | measured | ratio | wanted | |", "|---|---|---|---|---|"]
    r = ratio(peak, rate(everysec))
    rows.append(f"| redeem, coupond (group commit) vs Redis appendfsync everysec | {peak:,.0f} vs "
                f"{rate(everysec):,.0f}/s | {r:.2f}x | >= 1.0x | {verdict(r >= 1.0)} |")
    r = ratio(peak, rate(always))
    rows.append(f"| redeem, coupond vs Redis appendfsync always | {peak:,.0f} vs {rate(always):,.0f}/s "
                f"| {r:.2f}x | >= 2x | {verdict(r >= 2.0)} |")
    r = ratio(wrk["coupond-validate"], wrk["nginx-validate"])
    rows.append(f"| wrk validate, coupond vs nginx `return 200` (1 worker) | "
                f"{wrk['coupond-validate']:,.0f} vs {wrk['nginx-validate']:,.0f}/s | {r:.2f}x | "
                f">= 0.8x | {verdict(r >= 0.8)} |")
    r = ratio(wrk["coupond-redeem"], wrk["nginx-redeem"])
    rows.append(f"| wrk durable redeem, coupond vs nginx | {wrk['coupond-redeem']:,.0f} vs "
                f"{wrk['nginx-redeem']:,.0f}/s | {r:.2f}x | >= 0.7x | {verdict(r >= 0.7)} |")
    if half:
        p99 = half["latency_ms"]["p99"]
        rows.append(f"| redeem p99 at half of coupond's peak ({half['rate_target']:,.0f}/s, open loop, "
                    f"from due time) | {p99:.2f} ms | | <= 1 ms | {verdict(p99 <= 1.0)} |")
    if storm and uniform:
        winners_ok = storm["double_redemptions"] == 0 and storm["codes_redeemed"] == 100
        rows.append(f"| hot-code storm: winners per code (1,000 connections, 100 codes) | "
                    f"{storm['codes_redeemed']} codes redeemed, {storm['double_redemptions']} twice | "
                    f"| exactly 1 each | {verdict(winners_ok)} |")
        r = ratio(rate(storm), rate(uniform))
        rows.append(f"| hot-code storm vs uniform keys, same connections | {rate(storm):,.0f} vs "
                    f"{rate(uniform):,.0f}/s | {r:.2f}x | >= 0.5x | {verdict(r >= 0.5)} |")
    if attack and calm:
        r = ratio(legit_rate(attack), legit_rate(calm))
        rows.append(f"| real-code requests under a brute force (half guesses) vs none | "
                    f"{legit_rate(attack):,.0f} vs {legit_rate(calm):,.0f}/s | {r:.2f}x | >= 0.7x | "
                    f"{verdict(r >= 0.7)} |")
    doubles = sum(result["double_redemptions"] for result in
                  (load(results, f"{prefix}-{run}") for prefix, _ in TARGETS for run in RUNS) if result)
    rows.append(f"| codes redeemed twice, every run, every target | {doubles} | | 0 | {verdict(doubles == 0)} |")
    return rows


def plot(results, png):
    data = png.with_suffix(".dat")
    lines = ["run " + " ".join(f'"{label}"' for _, label in TARGETS)]
    for run in RUNS:
        lines.append(run + " " + " ".join(f"{rate(load(results, f'{prefix}-{run}')):.0f}"
                                          for prefix, _ in TARGETS))
    data.write_text("\n".join(lines) + "\n")
    script = f"""
set terminal pngcairo size 1100,520 font ",10"
set output "{png}"
set title "Requests per second by scenario (higher is better), same client and codes"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top right
set ylabel "requests/s"
set yrange [0:*]
set xtics rotate by -20
set grid ytics
plot for [col=2:{len(TARGETS) + 1}] "{data}" using col:xtic(1) title columnheader
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"flash_sale_report: no plot ({error})", file=sys.stderr)
    data.unlink(missing_ok=True)


def main():
    results = pathlib.Path(sys.argv[1])
    seconds, codes, docs, command = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = [f"Measured {now} on {cpu_name()}, 2 cores, by `{command}`: every server and the client "
              f"on the same machine over loopback, {seconds} s per run, {codes:,} fresh single-use "
              "codes per run (the same codes for every target). coupond runs with "
              "`--durability group`: every 200 is on disk before it is sent.", ""]
    table = header + ["### Side by side", ""] + side_by_side(results) + \
        ["", "### Targets (ratios within this run)", ""] + targets(results)
    if docs != "-":
        table += ["", "![requests per second by scenario](flash-sale.png)"]
    text = "\n".join(table)
    print(text)
    if docs == "-":
        return
    plot(results, pathlib.Path(docs).resolve() / "flash-sale.png")
    write_block(pathlib.Path(docs) / "benchmarks.md", "flash-sale-bench",
                "Flash sale: coupond, Redis and the HTTP ceiling", text)

if __name__ == "__main__":
    main()
