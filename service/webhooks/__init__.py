"""Events for integrators: an outbox written with each change, delivered by a worker."""
