"""The About page: what the directory is, where its data comes from and how to download it."""
