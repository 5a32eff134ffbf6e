"""Clients of the services' published contracts, shared by the services that call them.

A peer adapter here speaks one service's generated stubs (`crm.<service>.v1`), the contract every
caller may use, and nothing else of that service: no rule of it, no import of its package. The
caller keeps its own port (what it needs) and its own error codes (passed in). The rest of
crmkit stays contract-free; tests/deploy/test_boundaries.py holds both lines (ADR 0013).
"""
