"""Delivery: composing, rendering and sending each member's weekly digest exactly once."""
