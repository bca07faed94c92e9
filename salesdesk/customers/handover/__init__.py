"""Customer handover (客户交接, CUS-7) and customer merge (CUS-5): moving customers between reps
and folding a duplicate into the customer it duplicates, with everything attached to them."""
