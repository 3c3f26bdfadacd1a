"""Cython core of pynestlite: scheduler, ring buffers, connection tables,
spike exchange and random streams."""
