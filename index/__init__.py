"""Turning files into a searchable index: load, chunk, embed, store (Chroma) plus a BM25 catalog.

Nothing is imported here at package import time: `import index` stays instant.
"""
