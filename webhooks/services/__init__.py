"""Writes of the webhooks app.

- ``endpoints``: registering, enabling, disabling and deleting endpoints;
- ``events``: turning what happened (signals of the lower apps, connected in
  ``webhooks.receivers``) into one ``WebhookDelivery`` per endpoint;
- ``deliveries``: signing and sending them, retries, the sweep, and disabling
  an endpoint that keeps failing.
"""
