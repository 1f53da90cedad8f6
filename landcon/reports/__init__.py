"""Renderers (xlsx, docx, png, geojson). Reports never compute an indicator themselves."""
