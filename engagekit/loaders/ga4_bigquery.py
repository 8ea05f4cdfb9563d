"""Placeholder: this module registers its formats when written."""
