"""Persons, migration cards, their lifecycle and their events."""
