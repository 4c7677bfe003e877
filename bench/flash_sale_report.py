#!/usr/bin/env python3
"""Turns bench/flash_sale.sh's results into the side-by-side table, the CPU time per request, the
targets, a plot and the data plane's scorecard: docs/benchmarks.md (between the flash-sale-bench
and the fast-path-scorecard markers) and docs/flash-sale.png, or the tables on standard output
when the docs directory is "-"."""
import datetime
import pathlib
import subprocess
import sys

from report_common import cpu_name, write_block
from run_results import bench_medians, cpu_us_per_request, load, rate, wrk_requests
from scorecard import scorecard

RUNS = ["redeem-peak", "redeem-peak-limited", "flash-sale-midnight", "steady-checkout", "brute-force-attack", "no-attack",
        "hot-storm", "uniform-1000"]
TARGETS = [("coupond-threads-1", "coupond, 1 thread"), ("coupond-default", "coupond, 2 threads"),
           ("redis-everysec", "Redis, fsync every second"), ("redis-always", "Redis, fsync always")]


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
    """The targets of this suite that the scorecard does not hold."""
    storm = load(results, "coupond-default-hot-storm")
    uniform = load(results, "coupond-default-uniform-1000")
    rows = ["| target | measured | ratio | wanted | |", "|---|---|---|---|---|"]
    if storm and uniform:
        winners_ok = storm["double_redemptions"] == 0 and storm["codes_redeemed"] == 100
        rows.append(f"| hot-code storm: winners per code (1,000 connections, 100 codes) | "
                    f"{storm['codes_redeemed']} codes redeemed, {storm['double_redemptions']} twice | "
                    f"| exactly 1 each | {verdict(winners_ok)} |")
        r = rate(storm) / rate(uniform) if rate(uniform) else 0.0
        rows.append(f"| hot-code storm vs uniform keys, same connections | {rate(storm):,.0f} vs "
                    f"{rate(uniform):,.0f}/s | {r:.2f}x | >= 0.5x | {verdict(r >= 0.5)} |")
    for prefix, label in (("coupond-default", "2 threads"), ("coupond-threads-1", "1 thread")):
        plain = load(results, f"{prefix}-redeem-peak")
        limited = load(results, f"{prefix}-redeem-peak-limited")
        if plain and limited and rate(plain):
            r = rate(limited) / rate(plain)
            rows.append(f"| redeem peak, a batch with a cap and a budget vs the same without (coupond, {label}) | "
                        f"{rate(limited):,.0f} vs {rate(plain):,.0f}/s | {r:.2f}x | >= 0.8x | {verdict(r >= 0.8)} |")
    doubles = sum(result["double_redemptions"] for result in
                  (load(results, f"{prefix}-{run}") for prefix, _ in TARGETS for run in RUNS) if result)
    rows.append(f"| codes redeemed twice, every run, every target | {doubles} | | 0 | {verdict(doubles == 0)} |")
    return rows


# The runs whose server CPU time is recorded: (results name, what ran, the server process, the
# completed requests).
def cpu_runs(results):
    runs = []
    for script, what in (("validate", "validate"), ("redeem", "durable redeem")):
        for server, process in (("coupond", "coupond"), ("nginx", "nginx worker")):
            name = f"{server}-{script}"
            runs.append((f"wrk-{name}", f"wrk {what} (`{script}.lua`)", process,
                         wrk_requests(results, name)))
    for prefix, label in (("coupond-threads-1", "coupond, 1 thread"), ("redis-everysec", "redis-server, everysec"),
                          ("redis-always", "redis-server, always")):
        result = load(results, f"{prefix}-redeem-peak")
        runs.append((f"{prefix}-redeem-peak", "coupon-load redeem-peak", label,
                     result["requests"] if result else 0))
    return runs


def cpu_table(results):
    rows = ["| run | server process | requests | CPU per request |", "|---|---|---|---|"]
    for name, what, process, requests in cpu_runs(results):
        us = cpu_us_per_request(results, name, requests)
        rows.append(f"| {what} | {process} | {requests:,} | "
                    f"{f'{us:.2f} µs' if us is not None else 'not measured'} |")
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


def scorecard_block(results, now, command):
    bench_json = results / "microbench.json"
    benches = bench_medians(bench_json)[1] if bench_json.exists() else None
    return "\n".join([
        f"Measured {now} on {cpu_name()}, 2 cores, by `{command}`: every figure from that one run "
        "(servers and clients on the same machine over loopback; the in-process rows from the "
        "`coupond-bench` run at its end, median of 3).", ""] + scorecard(results, benches))


def main():
    results = pathlib.Path(sys.argv[1])
    seconds, codes, docs, command = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = [f"Measured {now} on {cpu_name()}, 2 cores, by `{command}`: every server and the client "
              f"on the same machine over loopback, {seconds} s per run, {codes:,} fresh single-use "
              "codes per run (the same codes for every target). coupond runs with "
              "`--durability group`: every 200 is on disk before it is sent.", ""]
    table = header + ["### Side by side", ""] + side_by_side(results) + \
        ["", "### Server CPU per request", "",
         "The server process's user + system time over the run (`/proc/PID/stat`, every thread; "
         "nginx's worker), divided by the requests the run completed.", ""] + cpu_table(results) + \
        ["", "### Other targets (the scorecard above holds the rest)", ""] + targets(results)
    if docs != "-":
        table += ["", "![requests per second by scenario](flash-sale.png)"]
    text = "\n".join(table)
    card = scorecard_block(results, now, command)
    print(text)
    print()
    print("### Scorecard")
    print()
    print(card)
    if docs == "-":
        return
    plot(results, pathlib.Path(docs).resolve() / "flash-sale.png")
    write_block(pathlib.Path(docs) / "benchmarks.md", "flash-sale-bench",
                "Flash sale: coupond, Redis and the HTTP ceiling", text)
    write_block(pathlib.Path(docs) / "benchmarks.md", "fast-path-scorecard",
                "The data plane's scorecard", card)


if __name__ == "__main__":
    main()
