"""Moving the paper-card archive into the registry."""
