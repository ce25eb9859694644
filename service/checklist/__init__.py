"""The arrival checklist: legal deadlines computed from the card, and reminders."""
