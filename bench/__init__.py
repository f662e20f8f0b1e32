"""Benchmarks run by ``make bench``: the client page under wrk against a bare baseline app."""
