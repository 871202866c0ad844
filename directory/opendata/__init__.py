"""Open data: published listings as Open Referral HSDS 3.0 files, and back."""
