"""Personal-data requests: export everything held about a person, and erase a person."""
