"""The media library: images editors upload, re-encoded and served from the instance folder."""
