"""Receivables (SAL-3): payment plans with instalments, payments received, reminders, overdue."""
