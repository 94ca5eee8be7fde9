"""Projects: participation projects run through the model's seven steps, from goal to impact;
the method catalogue, units' participation plans, reminders of overdue steps."""
