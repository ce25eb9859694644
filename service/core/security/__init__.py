"""Security primitives, one small module per concern."""
