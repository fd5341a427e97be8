"""`./toolkit profile`: where each variant spends its time on one thread, sampled with perf."""
