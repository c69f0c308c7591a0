"""Export the OpenAPI document: `python -m service.openapi [--check]` writes openapi/openapi.json.

A test compares the committed file with what the app generates, so the file never goes stale.
"""

from __future__ import annotations

import json
import sys

from .app import create_app
from .config import REPO_ROOT, Settings

OPENAPI_FILE = REPO_ROOT / "openapi" / "openapi.json"


def generate() -> str:
    schema = create_app(Settings()).openapi_schema.to_schema()  # default settings: independent of the env
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    text = generate()
    if "--check" in argv:
        same = OPENAPI_FILE.exists() and OPENAPI_FILE.read_text(encoding="utf-8") == text
        print("openapi/openapi.json is up to date" if same else "openapi/openapi.json is stale: run `make openapi`")
        return 0 if same else 1
    OPENAPI_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {OPENAPI_FILE.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
