"""Open data: published listings as Open Referral HSDS-style files, and back."""
