"""Restore logic shared by the three Function Compute handlers.

Ships inside the FC code package next to the handler modules, so it may import only oss2 and the
standard library.
"""
