"""Site-wide pieces: home page, base templates, navigation, footer, shared blocks and errors."""
