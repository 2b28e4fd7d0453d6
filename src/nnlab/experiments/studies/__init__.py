"""Built-in studies, one file per lecture claim (each registers itself)."""
