"""Pure rules of the service hall (workflow states and transitions, SLA arithmetic): no Django."""
