"""Moderation: the admin login, the review queue, moderation actions and their audit log."""
