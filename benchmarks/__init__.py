"""`make bench`: parse cost, worker memory, end-to-end latency and throughput, read latency.

Run `python -m benchmarks [FOLDER ...]` (see benchmarks/__main__.py for options). Writes
benchmarks/results.json and benchmarks/PERFORMANCE.md and prints the same table.
"""
