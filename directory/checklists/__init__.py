"""Interview: the article's checklist, filled in per therapist and kept privately."""
