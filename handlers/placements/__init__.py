"""Practice places: browsing and applying, publishing offers, deciding on applications."""
