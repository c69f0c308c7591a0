"""Peak resident memory of a worker's parse, each measured in a fresh child process.

A worker parses in a child process (workers.guard) that runs the job's parse-and-pack step: parse,
encode to JSON, gzip. The child here imports what a worker's work-horse has loaded (rq and
workers.jobs), notes its resident memory, runs the same step on the file and reports its peak
resident set size (VmHWM), so the figure is what the worker's parse process peaks at.

Command line (the child): `python -m benchmarks.memory FILE.pdf` prints one JSON line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from .corpus import ROOT


def _peak_rss_bytes() -> int:
    """This process's peak RSS since it started running Python.

    /proc's VmHWM belongs to the address space, which exec replaces; getrusage's ru_maxrss belongs to the
    process, and so would include the benchmark's own RSS copied by the fork before the exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def _child(path: Path) -> dict:
    import gc
    import time

    import psutil
    import rq  # noqa: F401  (loaded in every work-horse)

    try:
        from workers.jobs import _parse_and_pack as parse_step
    except ImportError:  # the job module changed shape: parse and encode as the job does
        import msgspec

        from workers.parser import parse_pdf

        def parse_step(data: bytes, filename: str):
            return msgspec.json.encode(parse_pdf(data, filename))

    import workers.parser.document  # noqa: F401  (the stages; imported lazily by parse_pdf)

    data = path.read_bytes()
    gc.collect()
    baseline = psutil.Process().memory_info().rss
    started = time.perf_counter()
    parse_step(data, path.name)
    seconds = time.perf_counter() - started
    peak = _peak_rss_bytes()
    return {"baseline_mb": round(baseline / 2**20, 1), "peak_mb": round(peak / 2**20, 1),
            "seconds": round(seconds, 2)}


def peak_rss(data: bytes, timeout_s: float = 600) -> dict:
    """Run the parse of `data` in a fresh interpreter; return its baseline and peak RSS in MB."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(data)
        tmp.flush()
        done = subprocess.run([sys.executable, "-m", "benchmarks.memory", tmp.name], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"the memory probe failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(_child(Path(sys.argv[1]))))
