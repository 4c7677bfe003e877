"""Reading the figures one bench run left behind: coupon-load's JSON results, wrk's text output, the
CPU time a server process used around a run (NAME.cpu, written by bench/lib.sh's record_cpu) and
coupond-bench's JSON output (medians of the repetitions)."""
import json
import re


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


def wrk_text(results, name):
    path = results / f"wrk-{name}.txt"
    return path.read_text() if path.exists() else ""


def wrk_rate(results, name):
    match = re.search(r"Requests/sec:\s+([\d.]+)", wrk_text(results, name))
    return float(match.group(1)) if match else 0.0


def wrk_requests(results, name):
    match = re.search(r"(\d+) requests in", wrk_text(results, name))
    return int(match.group(1)) if match else 0


def cpu_seconds(results, name):
    """The CPU time the server process used around the run NAME, or None when not recorded."""
    path = results / f"{name}.cpu"
    if not path.exists():
        return None
    ticks, per_second = path.read_text().split()
    return int(ticks) / int(per_second)


def cpu_us_per_request(results, name, requests):
    """Microseconds of server CPU per completed request, or None when either is missing."""
    seconds = cpu_seconds(results, name)
    return seconds / requests * 1e6 if seconds is not None and requests else None


def bench_medians(path):
    """coupond-bench's JSON output: (context, {run name: the median aggregate, or the single run
    when there were no repetitions})."""
    data = json.loads(path.read_text())
    out = {}
    for bench in data["benchmarks"]:
        name = bench.get("run_name", bench["name"])
        if bench.get("run_type") == "aggregate" and bench.get("aggregate_name") != "median":
            continue
        out[name] = bench
    return data.get("context", {}), out


def bench_ns(bench, clock="real_time"):
    """A benchmark's time per iteration in nanoseconds: wall time, or with clock="cpu_time" the
    benchmark thread's CPU time (which a process taking the core away meanwhile does not add to)."""
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[bench.get("time_unit", "ns")]
    return bench[clock] * scale
