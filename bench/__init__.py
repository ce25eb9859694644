"""Benchmarks: `make bench`. Ratios against floors measured in the same run."""
