"""practical."""
