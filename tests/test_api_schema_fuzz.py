"""Schemathesis against openapi/openapi.json on the running service: no server error, every response as documented.

The real stack (API with API keys on, one worker, Redis) is seeded with a parsed disclosure, a parsed
non-budget PDF and a failed scan, so generated requests reach real results half the time instead of
only 404s. The short, seeded run is part of `make test`; `make soak` runs a long one with a random seed.

Checks: all of schemathesis's, less two that do not apply here:
- positive_data_acceptance: a schema-valid upload can hold bytes that are not a parseable PDF (415/422,
  both documented), and a valid id can name a document whose parse failed (422, documented);
- allow_header_conformance: Litestar answers OPTIONS itself, and its Allow list names only the methods
  of the first handler registered on a path (a framework quirk outside the documented API).
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests import badinputs

from .conftest import BIN, CORPUS, ROOT, unique_pdf, upload, wait_finished

API_KEY = "fuzz-key"
EXCLUDED_CHECKS = "positive_data_acceptance,allow_header_conformance"
SHORT_MAX_EXAMPLES = 15  # per operation and phase: ~700 requests, well under a minute


@dataclass
class FuzzRun:
    cases: int  # test cases generated and sent
    output: str


def _seed_documents(client) -> dict[str, list]:
    """Three documents (done, done without tables, failed) and the values that reach their parts."""
    headers = {"X-API-Key": API_KEY}
    budget = upload(client, unique_pdf(CORPUS / "tekes-2025.public-docx.pdf"), "budget.pdf", **headers).json()["id"]
    plain = upload(client, badinputs.not_a_budget(), "report.pdf", **headers).json()["id"]
    failed = upload(client, badinputs.scanned(), "scan.pdf", **headers).json()["id"]
    for doc_id in (budget, plain, failed):
        assert wait_finished(client, doc_id, timeout_s=180, **headers)["status"] in ("done", "failed")
    result = client.get(f"/v1/documents/{budget}/result", headers=headers).json()
    return {
        "documents": [budget, plain, failed],
        "tables": ["1", "7", "11", "general_budget_projects", "7.csv", "income.csv", "0", "12"],
        "projects": [p["id"] for p in result["projects"][:3]] + ["p0"],
        "names": [result["department"]["name"]],
        "years": [result["department"]["year"], 1999],
    }


def _config(values: dict[str, list]) -> str:
    """schemathesis.toml: GET requests draw path parameters from the seeded values 70% of the time."""
    lines = []
    for name, entries in values.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(entries, ensure_ascii=False)}", ""]
    binding = {"path.doc_id": "documents", "path.ref": "tables", "path.project_id": "projects",
               "path.name": "names", "path.year": "years"}
    pairs = ", ".join(f'"{key}" = {{ dictionary = "{name}", probability = 0.7 }}' for key, name in binding.items())
    lines += ["[[operations]]", 'include-method = "GET"', f"parameters = {{ {pairs} }}", ""]
    return "\n".join(lines)


def run_schemathesis(stack, workdir: Path, *, max_examples: int, seed: int | None, max_time_s: int | None = None,
                     timeout_s: float = 600) -> FuzzRun:
    """Start an API (keys on) and a worker of their own, seed them, run `st run`; assert it found nothing."""
    tag = uuid.uuid4().hex[:8]
    isolated = {"QUEUE_NAME": f"fuzz-{tag}", "REDIS_PREFIX": f"fuzz{tag}"}
    api = stack.start_api(**isolated, API_KEYS=API_KEY, RATE_LIMIT_PER_MIN="0")
    worker = stack.start_worker(**isolated)
    try:
        config = workdir / "schemathesis.toml"
        config.write_text(_config(_seed_documents(api.client)), encoding="utf-8")
        args = [str(BIN / "st"), "--config-file", str(config), "run", str(ROOT / "openapi" / "openapi.json"),
                "--url", api.url, "-H", f"X-API-Key: {API_KEY}", "--checks", "all",
                "--exclude-checks", EXCLUDED_CHECKS, "--max-examples", str(max_examples), "--workers", "2",
                "--request-timeout", "30", "--suppress-health-check", "all", "--no-color"]
        if seed is not None:
            args += ["--seed", str(seed)]
        if max_time_s is not None:
            args += ["--max-time", str(max_time_s)]
        proc = subprocess.run(args, cwd=workdir, capture_output=True, text=True, timeout=timeout_s)
        output = proc.stdout + proc.stderr
        assert proc.returncode == 0, output[-6000:]
        assert api.process.poll() is None and worker.poll() is None, "the API or the worker died under the fuzzing"
        found = re.search(r"(\d+) generated", output)
        assert found, output[-3000:]
        return FuzzRun(cases=int(found.group(1)), output=output)
    finally:
        stack.stop(worker)
        stack.stop(api.process)


def test_schemathesis_finds_no_server_error_and_no_undocumented_response(stack, tmp_path):
    run = run_schemathesis(stack, tmp_path, max_examples=SHORT_MAX_EXAMPLES, seed=20261121, timeout_s=300)
    assert run.cases > 300, run.output[-3000:]  # every operation was really exercised
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅ {phase}", run.output), run.output[-3000:]
