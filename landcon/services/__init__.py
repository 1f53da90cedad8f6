"""Use cases: combine store and engine, check permissions, run transactions. cli/ and web/ call these."""
