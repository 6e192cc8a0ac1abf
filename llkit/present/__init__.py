"""Presentation layer: Danish text and number format, figures, HTML building blocks.

Knows how to say and draw things, not which things a document says. May import the
data and statistics layers.
"""
