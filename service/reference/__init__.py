"""Reference data: countries, regions of Russia, fixed lists, transliteration."""
