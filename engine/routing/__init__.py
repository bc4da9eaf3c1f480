"""Routing and grading: the matcher language compiled to predicates, the rule index,
the compiled category tables and the router that evaluates them.

Owns: `matchers` (operator registry, compiled `when`), `codegen`, `index` (anchors, bit
masks), `tables` (compiled categories, routes, rules, `Routing`), `router`. May import:
nothing of the library outside this package.
"""
