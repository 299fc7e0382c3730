"""What the pages share: state, the sidebar, chart builders, formatting and the demo.

Imported by app.py on the first run of the first session: from then on the server asks no
outside host for its address (ui/offline.py)."""

from ui import offline

offline.no_address_lookups()
