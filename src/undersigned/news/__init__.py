"""News: the news section and its stories."""
