"""List: therapists submit and edit their own listings; the public reports problems with them."""
