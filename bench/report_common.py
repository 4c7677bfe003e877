"""What the bench reports share: the machine's name and rewriting one marked block of
docs/benchmarks.md (appended under a heading the first time)."""
import pathlib
import re


def cpu_name():
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def write_block(path, marker, heading, text):
    """Replaces what stands between <!-- MARKER:begin --> and <!-- MARKER:end --> in path with
    text; appends the block under heading when the markers are not there yet."""
    path = pathlib.Path(path)
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    block = f"{begin}\n{text}\n{end}"
    current = path.read_text()
    if begin in current:
        current = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, current,
                         flags=re.S)
    else:
        current += f"\n## {heading}\n\n{block}\n"
    path.write_text(current)
