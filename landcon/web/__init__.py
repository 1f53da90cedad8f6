"""Web application (FastAPI); arrives with the web issue."""
