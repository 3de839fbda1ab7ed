"""Start page, about, contact shell, accessibility statement and the language switch."""
