"""Find: search therapists by place, radius and filters."""
