"""What the pages share: state, the sidebar, chart builders, formatting and the demo."""
