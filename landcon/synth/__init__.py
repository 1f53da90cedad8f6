"""Synthetic Yunnan mountain county in the 三调 schema, for development and demonstration."""
