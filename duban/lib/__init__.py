"""Helpers that know nothing of Django: periods, dates, arithmetic."""
