"""Delivery channels: one module per channel, each knowing only its wire format and its
error codes. Retry policy, rate budgets, digests and dedup live in the outbox, once."""
