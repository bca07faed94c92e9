"""Demo data builders, one module per domain; each module registers its builders on import."""
