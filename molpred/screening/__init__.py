"""Screening: stream a compound library through a model in chunks."""
