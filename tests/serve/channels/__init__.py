"""Tests of the delivery channels, against real receivers on the loopback interface."""
