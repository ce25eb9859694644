"""The adaptation course and behaviour guide: content, progress, statistics."""
