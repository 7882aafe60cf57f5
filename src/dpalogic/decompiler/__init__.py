"""Decompiler: a DPA loss as people write it → its preference structure(s)."""
