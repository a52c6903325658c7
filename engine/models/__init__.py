"""Local models: catalog, hardware fit, downloads, the registry of installed files."""
