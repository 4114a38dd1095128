"""The native exchange format: a folder or .zip of CSV files (docs/bundle.md)."""
