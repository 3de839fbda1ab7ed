"""Publishing: staff and marketers write, preview, schedule and restore the site's pages."""
