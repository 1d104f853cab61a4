"""Training: featurize once, fit with Lightning, early-stop on validation, score like score.py."""
