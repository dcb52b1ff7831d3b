"""`python -m bench`: every benchmark, one after the other."""

from bench import audit, gp

if __name__ == "__main__":
    audit.main([])
    print()
    gp.main([])
