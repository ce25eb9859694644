"""A paper copy of the e-card for when a phone is not enough."""
