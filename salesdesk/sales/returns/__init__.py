"""Returns (SAL-4) against contract lines, and the return rate by product, customer and rep."""
