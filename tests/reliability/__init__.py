"""Reliability and security: fault injection, load, bad input, leaks, private by default.

A package, so that its conftest and helper modules do not clash with tests/conftest.py.
"""
