"""What every area uses: the acting user, domain errors, national identifiers, form input checks, names of people
and organisations, paging, official value sets, rendering (jinja2, WeasyPrint), the store of files and the
"module:function" registries.

May import: nothing else in services."""
