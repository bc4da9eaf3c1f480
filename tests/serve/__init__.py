"""Tests of `gongdan serve`, mirroring engine/serve."""
