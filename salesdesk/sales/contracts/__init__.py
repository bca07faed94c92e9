"""Contracts and orders (SAL-2): lines, numbering, status and approval chains."""
