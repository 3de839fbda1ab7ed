"""News, articles and webinars."""
