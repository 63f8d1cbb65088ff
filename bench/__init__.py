"""`make bench`: the benchmark of issue 7 (see bench/README.md and docs/performance.md)."""
