"""`gongdan serve`: the host service around the engine (the `serve` extra).

It stores ticket state, fires `Engine.due()` on time and delivers notifications. It is a
host of the engine, not a second engine: it imports only the public API of `engine`
(`engine.load`, `Engine`, `Decision`, the errors), never its internals.
"""
