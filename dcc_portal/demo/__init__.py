"""Demo data: the demo region loaded by `make run` (one coherent story per patient) and the generator of a region at
production scale for benchmarks. Builds through the services; nothing at runtime imports it."""
