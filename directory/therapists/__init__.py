"""Therapist listings: the model and the public profile."""
