"""The member's personal page: what a member sees and does through their
signed link (/me/<token>/) and the short link of SMS messages (/m/<code>/).

It sits on top of the other apps (like pretix's presale): it reads their
selectors and calls their services; no lower app imports it.
"""
