"""The channels a notification can go out on, and which contact of a person each one uses."""
from __future__ import annotations

CHANNELS = ("dingtalk", "dingtalk_group", "email", "sms", "phone")
SUBJECTLESS = frozenset({"sms", "phone"})     # one line of text, no subject
SMS_LIMIT = 70
# The person's contact each channel addresses (a group robot is the team's, not a person's).
CHANNEL_CONTACT = {"dingtalk": "dingtalk", "email": "email", "sms": "phone", "phone": "phone"}
# Where a person lacks the step's channel's contact: the first of these they can receive.
FALLBACK_ORDER = ("dingtalk", "sms", "phone", "email")
