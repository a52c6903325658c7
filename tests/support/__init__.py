"""Loopback servers and guards shared by the test suite."""
