"""Mitt konto (/konto/): a person sees, edits, downloads and erases their own data."""
