"""Satisfaction and feedback (反馈, CUS-11): CSAT/NPS records and feedback tickets."""
