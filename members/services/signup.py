"""The public sign-up and its verification (filled in by the sign-up work)."""
