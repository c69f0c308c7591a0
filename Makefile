# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# The embedded Redis (in .data/) unless REDIS_URL points elsewhere.
REDIS   = $${REDIS_URL:-$$($(PY) -m workers.redis_embedded url)}

.PHONY: install run api worker test lint openapi bench fuzz soak redis-stop clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the pinned dependencies change.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install  ## API + one worker + embedded Redis; Ctrl-C stops all
	$(PY) -m service.launch

api: install  ## the API alone (port PORT, default 8000)
	REDIS_URL="$(REDIS)" $(PY) -m uvicorn --factory service.app:create_app \
		--host $${HOST:-127.0.0.1} --port $${PORT:-8000}

worker: install  ## one worker; start as many as you like, on any machine sharing REDIS_URL
	$(VENV)/bin/rq worker -w workers.worker.Worker --url "$(REDIS)" $${QUEUE_NAME:-parse}

test: install
	$(PY) -m pytest -q

lint: install  ## the whole project (tests/support/score.py is a verbatim copy of the shared scorer)
	$(VENV)/bin/ruff check . --extend-exclude tests/support/score.py

openapi: install  ## regenerate openapi/openapi.json
	$(PY) -m service.openapi

bench: install
	$(PY) -m benchmarks $(DIR)

fuzz: install
	$(PY) -m tests.fuzz_parser --long

soak: install  ## long schemathesis run + uploads under worker/Redis/API kills (SOAK_EXAMPLES, SOAK_UPLOADS)
	$(PY) -m pytest -q -s tests/soak_service.py

redis-stop:  ## stop the embedded Redis that `make api` / `make worker` started
	$(PY) -m workers.redis_embedded stop

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
