"""Analyses of simulated networks (installed as ``pynestlite.analysis``)."""
