"""Places and distances, on geopy; no Flask import.

- names: what people type for a place (normalized words, states, street words)
- gazetteer: the bundled place data (compiled from GeoNames and USPS ZIP data) and its index
- offline: the offline geocoder (lookups, suggestions, type-ahead)
- geocoders: the shared offline geocoder, network geocoders behind a cache, build_geocoder
- distances: units, distances and the boxes around a search circle
"""
