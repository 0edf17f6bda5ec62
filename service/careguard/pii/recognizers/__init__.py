"""Recognizers presidio lacks or gets wrong, one per module."""
