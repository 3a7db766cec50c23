"""Delivery: composing, rendering and sending each member's weekly digest exactly once, and the
short replies the group inbox sends (receipts, unsubscribe confirmations)."""
