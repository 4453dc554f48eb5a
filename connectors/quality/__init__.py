"""Data-quality checks (metrics.md §5): GX suites per table, SQL checks from dbt, results in meta.dq_check_results."""
