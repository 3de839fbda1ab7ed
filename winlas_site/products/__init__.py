"""The product pages."""
