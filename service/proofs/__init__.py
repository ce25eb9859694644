"""Signed QR proofs: signing keys, the proof token, QR images, verification, status list."""
