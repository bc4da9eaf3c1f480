"""Delivery channels: one module per channel, each knowing only its wire format and its
error codes. Retry policy, rate budgets, digests and dedup live in the outbox, once.

Entry point: `config.load_channels(path) -> Channels` (docs/serve-channels.md). Modules
here import `base`, each other's shared pieces and the public `engine` errors, nothing else
of `engine.serve`."""
