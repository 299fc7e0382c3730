"""The payment split drawn by itself under the app's sidebar, for tests/app/test_payment_split.py
(the Payment page calls the same render_split at PCN level)."""

from ui import payment_split, sidebar

sidebar.configure_page()
payment_split.render_split(sidebar.render())
