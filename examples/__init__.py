"""Runnable examples of websessions (``make demo`` runs ``examples.demo``)."""
