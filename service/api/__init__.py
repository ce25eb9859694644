"""HTTP layer: dependencies shared by every router."""
