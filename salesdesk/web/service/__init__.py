"""Pages of return visits, care and feedback (CUS-9, CUS-10, CUS-11)."""
