"""engagekit"""
from .loaders import read_export
