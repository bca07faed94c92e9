"""Return visits (回访, CUS-9): visit schedules per customer level, due and overdue lists, visit
records with satisfaction."""
