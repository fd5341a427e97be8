"""Interpreter start-up and shutdown only."""
