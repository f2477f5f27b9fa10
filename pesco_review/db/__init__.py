"""Database backends of the application: Django's own, with what production needs on top."""
