"""Benchmarks (``make bench``): each ``bench_*.py`` module has ``main() -> None`` and prints
its figures, as ratios against a baseline measured in the same run where one exists."""
