"""`python -m bench`: every benchmark, one after the other."""

from bench import audit

if __name__ == "__main__":
    audit.main([])
