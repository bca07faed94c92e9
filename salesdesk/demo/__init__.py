"""Demo data (`salesdesk demo`): a registry of builders, one per domain; see registry.py."""
