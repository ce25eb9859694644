"""What the service keeps about a Telegram account: language, consent, reminder settings."""
