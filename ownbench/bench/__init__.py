"""The three kinds of benchmark: pyperformance, thread scaling, instruction counts."""
