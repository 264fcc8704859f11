"""Pure rules of the inter-agency exchange: the signed envelope (no Django)."""
