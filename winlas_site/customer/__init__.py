"""The customer pages (kundsidor), behind login."""
