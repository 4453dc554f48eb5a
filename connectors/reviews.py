"""Online reviews (extracts.md §5): reviews/<extract_date>/reviews.csv."""

from __future__ import annotations

from connectors.base import VendorReader


class ReviewsReader(VendorReader):
    """Reviews: key (platform, review_id); rating 1-5; created_at / responded_at date or tstz (two columns)."""

    vendor = "reviews"
    checks_locations = True
