"""What every area uses: the acting user, domain errors, national identifiers, form input checks, official value
sets, rendering (jinja2, WeasyPrint) and the store of files. Imports only models and the top-level helpers."""
