"""Replaying a stream of events (`gongdan evaluate`): per-ticket state, due steps fired
on the events' clock, the summary, and shards over several processes.

Owns: `stream`, `shards`. May import: errors, runtime.
"""
