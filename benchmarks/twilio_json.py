"""The JSON bodies of the Twilio mock (benchmarks/mock_servers.py): a
created Message or Call, a page of Messages, an error. Field names and
formats as Twilio's API (2010-04-01) returns them."""

from __future__ import annotations

from datetime import datetime

# Twilio's error bodies: https://www.twilio.com/docs/api/errors
ERROR_MESSAGES = {
    400: "The 'To' number is not a valid phone number.",
    401: "Authenticate",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
DEFAULT_CODES = {400: 21211, 401: 20003, 429: 20429, 500: 20500, 503: 20503}
DATE_FORMAT = "%a, %d %b %Y %H:%M:%S %Z"  # RFC 2822 in GMT, as Twilio writes dates


def error_json(*, status: int, code: int) -> dict:
    return {
        "code": code,
        "message": ERROR_MESSAGES.get(status, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def resource_json(*, kind: str, account: str, sid: str, to: str, form, created: str) -> dict:
    """The 201 body of a created Message (``kind`` "message") or Call."""
    collection = "Calls" if kind == "call" else "Messages"
    body = {
        "account_sid": account,
        "api_version": "2010-04-01",
        "date_created": created,
        "date_updated": created,
        "date_sent": created,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From") or None,
        "messaging_service_sid": form.get("MessagingServiceSid") or None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"},
        "to": to,
        "uri": f"/2010-04-01/Accounts/{account}/{collection}/{sid}.json",
    }
    if kind == "message":
        body["body"] = form.get("Body", "")
    return body


def list_page_json(*, account: str, records: list[dict], query) -> dict:
    """One page of Messages, newest first, filtered like Twilio on
    ``DateSent>``/``DateSent<`` (by date); ``PageSize`` records at most."""
    after, before = query.get("DateSent>", "")[:10], query.get("DateSent<", "")[:10]
    size = int(query.get("PageSize", 50) or 50)
    messages = []
    for record in reversed(records):
        day = datetime.strptime(record["date_created"], DATE_FORMAT).date().isoformat()
        if (after and day < after) or (before and day > before):
            continue
        messages.append(
            {
                "account_sid": account,
                "sid": record["sid"],
                "to": record["to"],
                "body": record["body"],
                "status": "sent",
                "date_created": record["date_created"],
                "date_sent": record["date_created"],
                "direction": "outbound-api",
            }
        )
    messages = messages[:size]
    uri = f"/2010-04-01/Accounts/{account}/Messages.json"
    return {
        "messages": messages,
        "page": 0,
        "page_size": size,
        "start": 0,
        "end": max(len(messages) - 1, 0),
        "uri": uri,
        "first_page_uri": uri,
        "next_page_uri": None,
        "previous_page_uri": None,
    }
