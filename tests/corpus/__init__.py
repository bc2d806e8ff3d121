"""The real-program corpus: open-source Go programs from the module proxy, and one of ours on
real dependencies, built as they ship, loaded, dumped and read back (see catalogue.py)."""
