"""An example app: see app.py."""
