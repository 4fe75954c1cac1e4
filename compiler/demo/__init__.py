"""A deterministic synthetic exchange for demos, scenario tests and benchmarks.

`sopc demo-data` writes benign background activity (spot and perpetual
trading, market makers, deposits and withdrawals, P2P orders) and, on top of
it, a fixed set of injected cases: one or more per risk typology, plus benign
look-alikes. Cases own their accounts and symbols (ids never collide with the
background's), and their rows do not depend on the seed or the scale, so a
scenario that names a case sees the same figures at any size.
"""
