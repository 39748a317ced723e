"""Contact: the contact form and the correspondence inbox it fills."""
