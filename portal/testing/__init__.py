"""Development tooling shared by the tests and the benchmarks (``bench/``).

Nothing the portal runs in production imports this package: it starts ``portal`` commands and
servers in subprocesses, the way an operator would, so that tests and benchmarks drive the real
thing.
"""
