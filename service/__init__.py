"""Onboard service: electronic migration-card registry and its HTTP API."""
