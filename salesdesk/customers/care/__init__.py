"""Customer care (关怀, CUS-10): reminders for contact birthdays, customer anniversaries and
Chinese holidays, with greeting templates in both languages."""
