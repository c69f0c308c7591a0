# One image for both roles: the API (default command) or a worker (`rq worker -w workers.worker.Worker --url $REDIS_URL parse`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=8000

WORKDIR /app
RUN useradd --create-home --uid 10001 app && mkdir -p /data && chown app:app /data

# Dependencies first (pinned in pyproject.toml), so code changes do not reinstall them.
COPY pyproject.toml ./
RUN mkdir -p service workers && touch service/__init__.py workers/__init__.py \
    && pip install . && pip uninstall -y budget-disclosure-service
COPY service ./service
COPY workers ./workers
RUN pip install --no-deps .

USER app
EXPOSE 8000
# The API answers /healthz; a worker container overrides this (see compose.yaml).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=4)"
CMD ["sh", "-c", "exec uvicorn --factory service.app:create_app --host \"$HOST\" --port \"$PORT\""]
