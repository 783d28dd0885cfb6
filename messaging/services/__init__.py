"""Write-side operations of messaging, one module per job or area:

- ``drafts``: writing a message and its approval;
- ``lifecycle``: publishing, updating and cancelling a message;
- ``fanout``: a published message's deliveries, queued in chunks;
- ``sending``: claiming and sending deliveries through the gateways;
- ``sweep``: recovering what a crash or a lost task left behind;
- ``replies`` and ``email_replies``: the replies inbox;
- ``incidents``: members' incident reports (meldingen) and their triage;
- ``delivery_status`` and ``inbound_sms``: what providers report back
  (delivery reports, inbound SMS), received through ``outbox.signals``.

Callers import from the defining module.
"""
