"""Tests for the news app: stories, sections, feeds, videos, newsletters, plain pages."""
