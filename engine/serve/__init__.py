"""`gongdan serve`: the host service around the engine (the `serve` extra).

It stores ticket state, fires `Engine.due()` on time, delivers notifications and sends
the scheduled broadcasts of reports.yaml. It is a
host of the engine, not a second engine: it imports only the public API of `engine`
(`engine.load`, `Engine`, `Decision`, the errors, and the broadcasts: `engine.broadcasts`,
`broadcast_instants`, `broadcast_following`, `compose_broadcast`), never its internals.
"""
