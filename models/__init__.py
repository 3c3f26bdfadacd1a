"""Cython neuron and device models of pynestlite, one module per family."""
