"""Persistence: the dataset store (GeoParquet layers + manifest) and, later, the records database."""
