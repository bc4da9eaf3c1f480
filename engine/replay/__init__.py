"""Replaying a stream of events (`gongdan evaluate`): its lines read one by one (bounded,
split at newlines only, each line's problems its own), per-ticket state, due steps fired
on the events' clock, the summary, and shards over several processes.

Owns: `lines`, `stream`, `shards`. May import: errors, runtime.
"""
