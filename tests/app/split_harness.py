"""The payment split drawn alone under the app's sidebar, for test_payment_split_page.py."""

from ui import payment_split, sidebar

sidebar.configure_page()
payment_split.render_split(sidebar.render())
