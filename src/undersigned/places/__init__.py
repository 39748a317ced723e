"""Places: UK postcodes, the wards, constituencies and councils they fall in, and ward teams."""
