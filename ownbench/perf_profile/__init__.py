"""`./toolkit profile`: where each variant spends its time, sampled with perf."""
