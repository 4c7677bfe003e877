#!/usr/bin/env python3
"""The data plane's scorecard: each figure the fast path is held to, what a run measured ("now"),
the target and whether it is met. bench/flash_sale_report.py writes it into docs/benchmarks.md
from one bench/flash_sale.sh run; bench/run.sh prints it from the flash-sale results kept in
build-release/flash-sale-results and its own coupond-bench run.

Usage: scorecard.py [--flash-sale RESULTS_DIR] [--bench COUPOND_BENCH.json]
A figure whose run is missing is shown as not measured."""
import argparse
import pathlib

from run_results import (bench_medians, bench_ns, cpu_us_per_request, legit_rate, load, rate,
                         wrk_rate, wrk_requests)

NOT_MEASURED = "not measured"

# The scorecard's in-process benchmarks (coupond-bench's run names).
VALIDATE_ALLOCS = "BM_DataPlaneValidate"
REDEEM_ALLOCS = "BM_DataPlaneRedeem/iterations:200000"
VALIDATE_AT_SIZE = "BM_ValidateHit"
VALIDATE_REFERENCE = "BM_HmacRandomReadReference"


def ratio(a, b):
    return a / b if a is not None and b else None


def row(figure, now, target, ok):
    met = "—" if ok is None else ("met" if ok else "**missed**")
    return f"| {figure} | {now if ok is not None else NOT_MEASURED} | {target} | {met} |"


def ratio_row(figure, a, b, unit, target, wanted):
    """A row for a / b, shown with both figures; wanted(ratio) says whether it is met."""
    r = ratio(a, b)
    now = f"{r:.2f}x ({a:,.{unit[0]}f} vs {b:,.{unit[0]}f}{unit[1]})" if r is not None else ""
    return row(figure, now, target, None if r is None else wanted(r))


def server_rows(results):
    """The rows measured against running servers (flash_sale.sh, admin_interference.sh)."""
    def got(result, value):
        return value if result else None

    peak = load(results, "coupond-threads-1-redeem-peak") if results else None
    everysec = load(results, "redis-everysec-redeem-peak") if results else None
    always = load(results, "redis-always-redeem-peak") if results else None
    half = load(results, "coupond-threads-1-half-peak") if results else None
    attack = load(results, "coupond-threads-1-brute-force-attack") if results else None
    calm = load(results, "coupond-threads-1-no-attack") if results else None
    admin = load(results, "admin-interference") if results else None
    wrk = {name: (wrk_rate(results, name) or None) if results else None
           for name in ("coupond-validate", "nginx-validate", "coupond-redeem", "nginx-redeem")}

    def wrk_cpu(name):
        return cpu_us_per_request(results, f"wrk-{name}", wrk_requests(results, name)) \
            if results else None

    def load_cpu(name, result):
        return cpu_us_per_request(results, name, result["requests"]) if result else None

    rows = [
        ratio_row("redeem, group commit, vs Redis + Lua `everysec`, same coupon-load client, codes "
                  "and connections", got(peak, rate(peak)), got(everysec, rate(everysec)),
                  (0, "/s"), ">= 1.0x", lambda r: r >= 1.0),
        ratio_row("redeem, group commit, vs Redis + Lua `always`", got(peak, rate(peak)),
                  got(always, rate(always)), (0, "/s"), ">= 2x", lambda r: r >= 2.0),
        ratio_row("wrk validate vs nginx `return 200` (1 worker), same request script",
                  wrk["coupond-validate"], wrk["nginx-validate"], (0, "/s"), ">= 0.8x",
                  lambda r: r >= 0.8),
        ratio_row("wrk durable redeem vs the same nginx", wrk["coupond-redeem"],
                  wrk["nginx-redeem"], (0, "/s"), ">= 0.7x", lambda r: r >= 0.7),
        ratio_row("server CPU per validate vs nginx's CPU per request (process CPU time / "
                  "requests, same wrk run)", wrk_cpu("coupond-validate"), wrk_cpu("nginx-validate"),
                  (2, " µs"), "<= 1.5x", lambda r: r <= 1.5),
        ratio_row("server CPU per durable redeem vs redis-server's CPU per Lua redeem (`everysec`, "
                  "the redeem runs of the first row)",
                  load_cpu("coupond-threads-1-redeem-peak", peak),
                  load_cpu("redis-everysec-redeem-peak", everysec), (2, " µs"), "<= 1.0x",
                  lambda r: r <= 1.0),
    ]
    return rows, half, attack, calm, admin


def allocations_row(benches):
    validate = benches.get(VALIDATE_ALLOCS, {}).get("allocs") if benches else None
    redeem = benches.get(REDEEM_ALLOCS, {}).get("allocs") if benches else None
    measured = validate is not None and redeem is not None
    now = f"{validate:.2f} / {redeem:.2f}" if measured else ""
    return row("heap allocations per validate / redeem request in steady state "
               "(DataPlane::handle, a counting allocator in coupond-bench)", now, "0",
               round(validate, 2) == 0 and round(redeem, 2) == 0 if measured else None)


def validate_row(benches):
    hit, reference = (benches.get(VALIDATE_AT_SIZE), benches.get(VALIDATE_REFERENCE)) \
        if benches else (None, None)
    coupons = f"{int(reference['coupons']):,}" if reference and "coupons" in reference else "10M"
    # CPU time: on a machine shared with other work, wall time adds whatever ran in between.
    a = bench_ns(hit, "cpu_time") if hit else None
    b = bench_ns(reference, "cpu_time") if reference else None
    r = ratio(a, b)
    return row(f"in-process validate at {coupons} coupons vs (one HMAC + one random memory "
               "access), same run", f"{r:.2f}x ({a:,.0f} vs {b:,.0f} ns of CPU)" if r else "",
               "<= 1.2x", None if r is None else r <= 1.2)


def scorecard(results, benches):
    """The table's lines. results: the flash-sale results directory or None; benches: the medians
    of a coupond-bench run (run_results.bench_medians) or None."""
    rows, half, attack, calm, admin = server_rows(results)
    rows.append(allocations_row(benches))
    p99 = half["latency_ms"]["p99"] if half else None
    rows.append(row("redeem p99 at half of peak, open loop, group commit",
                    f"{p99:.2f} ms at {half['rate_target']:,.0f}/s" if half else "", "<= 1 ms",
                    None if p99 is None else p99 <= 1.0))
    rows.append(ratio_row("real-code throughput with half of all requests forged, vs none",
                          legit_rate(attack) if attack else None,
                          legit_rate(calm) if calm else None, (0, "/s"), ">= 0.8x",
                          lambda r: r >= 0.8))
    rows.append(validate_row(benches))
    if admin:
        partly = "" if admin["admin_covered_run"] else "; the admin work ended before the run did"
        rows.append(ratio_row(
            f"p99 of redemptions while a {admin['admin_codes']:,}-code import and a generate run, "
            f"vs the p99 without ({admin['rate']:,.0f}/s, open loop{partly})", admin["p99_during_ms"],
            admin["p99_alone_ms"], (2, " ms"), "<= 2x", lambda r: r <= 2.0))
    else:
        rows.append(row("p99 of redemptions while a 1M-code import and a generate run, vs the p99 "
                        "without", "", "<= 2x", None))
    return ["| figure | now | target | met? |", "|---|---|---|---|"] + rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flash-sale", type=pathlib.Path, help="bench/flash_sale.sh's results")
    parser.add_argument("--bench", type=pathlib.Path, help="coupond-bench's JSON output")
    args = parser.parse_args()
    results = args.flash_sale if args.flash_sale and args.flash_sale.is_dir() else None
    benches = bench_medians(args.bench)[1] if args.bench and args.bench.exists() else None
    print("\n".join(scorecard(results, benches)))


if __name__ == "__main__":
    main()
